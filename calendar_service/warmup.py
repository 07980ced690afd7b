"""Work every web process would otherwise do on its first requests, done once in gunicorn's
master before it forks (``preload_app``), so a new or recycled worker answers its first request
about as fast as its thousandth (issue 19: right after a deploy, each worker's first requests
were the slow ones).

Nothing here touches the database or the cache: a connection opened before the fork would be
shared by every worker."""

from __future__ import annotations

import logging

from django.conf import settings
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import get_resolver
from django.utils import translation

logger = logging.getLogger(__name__)

# The templates of the public pages most requested.
TEMPLATES = ("pages/calendar.html", "pages/event_detail.html", "pages/branch_detail.html")


def warm_up() -> None:
    """Import every view (through the URLconf), fill the URL resolver and the translation
    catalogue of each language, and compile the busiest templates."""
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            get_resolver()._populate()  # imports the views; the reverse look-up of this language
    for name in TEMPLATES:
        try:
            get_template(name)
        except TemplateDoesNotExist:  # renamed: warming up is best effort
            logger.warning("warm-up: no template %s", name)
