from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProposalsConfig(AppConfig):
    """Citizens' and associations' proposals of activities, and the staff's queue of them."""

    name = "proposals"
    verbose_name = _("Proposals")

    def ready(self) -> None:
        from events.signals import events_changed

        from . import receivers

        events_changed.connect(
            receivers.events_changed, dispatch_uid="proposals.outcome_after_publish"
        )
