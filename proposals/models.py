"""A proposal: an activity a citizen or a local association offers the libraries. Never public
itself: it only appears through the draft event that staff make of it (``Proposal.event``).

The proposer's contact details (``name``, ``email``, ``phone``) and what they wrote beyond the
title are erased ``PROPOSAL_RETENTION_DAYS`` after the decision (``services.proposals_erase``);
the anonymised row stays for the statistics (branch, state, tracks, dates, the event).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import Audience, Branch, Event, Track

TITLE_MAX = 200
DESCRIPTION_MAX = 3000
DATES_MAX = 300
NAME_MAX = 200
REASON_MAX = 1000


class Proposal(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        TAKEN_IN = "taken_in", _("Taken in")
        DECLINED = "declined", _("Declined")

    class ProposerKind(models.TextChoices):
        PERSON = "person", _("A private person")
        ASSOCIATION = "association", _("An association or group")

    # what it is
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    description = models.TextField(_("description"), max_length=DESCRIPTION_MAX)
    # who they are
    proposer_kind = models.CharField(_("proposed by"), max_length=16, choices=ProposerKind.choices)
    name = models.CharField(
        _("name"),
        max_length=NAME_MAX,
        blank=True,
        help_text=_("The person's name, or the association's."),
    )
    # where: the branch they would like (the bookmobile is a branch); passing it on changes it
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="proposals"
    )
    # when
    preferred_dates = models.CharField(_("preferred dates"), max_length=DATES_MAX, blank=True)
    flexible = models.BooleanField(_("flexible dates"), default=False)
    # who it is for
    audiences = models.ManyToManyField(
        Audience, verbose_name=_("audiences"), related_name="+", blank=True
    )
    # what they need from the library
    needs_room = models.BooleanField(_("needs a room"), default=False)
    needs_equipment = models.BooleanField(_("needs equipment"), default=False)
    needs_promotion = models.BooleanField(_("needs help to promote it"), default=False)
    # how to reach them
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(_("language"), max_length=8, default="da")

    # the staff's part
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.NEW, db_index=True
    )
    tracks = models.ManyToManyField(
        Track,
        verbose_name=_("tracks"),
        related_name="+",
        blank=True,
        help_text=_("Tagged by staff when they decide."),
    )
    event = models.OneToOneField(
        Event,
        verbose_name=_("event"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposal",
    )
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    passed_from = models.ForeignKey(
        Branch,
        verbose_name=_("passed on from"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    pass_note = models.TextField(_("note when passed on"), blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    # durable flags: what still has to be mailed (a sweep sends what a lost message did not)
    receipt_sent_at = models.DateTimeField(_("receipt sent"), null=True, blank=True)
    outcome_sent_at = models.DateTimeField(_("outcome sent"), null=True, blank=True)
    erased_at = models.DateTimeField(_("contact details erased"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        indexes = [models.Index(fields=["branch", "status", "created_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.NEW

    @property
    def is_association(self) -> bool:
        return self.proposer_kind == self.ProposerKind.ASSOCIATION
