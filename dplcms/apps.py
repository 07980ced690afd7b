from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DplCmsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dplcms"
    verbose_name = _("Library website (dpl-cms)")
