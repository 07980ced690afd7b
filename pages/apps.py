from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PagesConfig(AppConfig):
    """The HTML pages for citizens (the calendar) and for management (the dashboard)."""

    name = "pages"
    verbose_name = _("Pages")
