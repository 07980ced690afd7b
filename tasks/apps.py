from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = _("Status and reports")

    def ready(self) -> None:
        from events.signals import occurrences_changed

        from . import receivers

        occurrences_changed.connect(
            receivers.occurrences_changed, dispatch_uid="tasks.status_recompute_request"
        )
