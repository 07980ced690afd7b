"""What the feeds keep: each event's serialized VEVENT text, kept up to date on change.

A calendar of thousands of events is assembled from these pieces (plus a header and a
VTIMEZONE) instead of being serialized from scratch on each request; see ``feeds/pieces.py``.
A piece is current when it was built from the event's present ``updated_at`` by the present
recipe (builder version and site URL); otherwise it is rebuilt on the next read.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from events.models import Event


class EventPiece(models.Model):
    event = models.OneToOneField(
        Event,
        verbose_name=_("event"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="feed_piece",
    )
    source_updated_at = models.DateTimeField(_("event modified"))
    recipe = models.CharField(_("recipe"), max_length=32)
    # UTF-8 bytes, so that a feed is a join of stored bytes with no decoding or encoding.
    vevent = models.BinaryField(_("VEVENT text (UTF-8)"))
    # blake2b-128 of ``vevent``: a feed's ETag hashes these instead of megabytes of text.
    digest = models.CharField(_("digest"), max_length=32)
    built_at = models.DateTimeField(_("built"), auto_now=True)

    class Meta:
        verbose_name = _("serialized event")
        verbose_name_plural = _("serialized events")

    def __str__(self) -> str:
        return f"VEVENT of event {self.event_id}"


class ReferenceGeneration(models.Model):
    """A counter raised, in the saving transaction, whenever a branch, stop, room, track or
    audience is saved or deleted, and after the core reports changed events that may have
    recorded no ``events.Change`` (the nightly occurrence horizon) (``feeds.receivers``): with
    the latest ``events.Change`` it
    keys the cached feeds (``feeds.cache.generation``), so that a feed never outlives the data
    it was built from, whatever happened to the shared cache. One row."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    value = models.BigIntegerField(_("value"), default=0)

    class Meta:
        verbose_name = _("feed generation")
        verbose_name_plural = _("feed generations")

    def __str__(self) -> str:
        return str(self.value)
