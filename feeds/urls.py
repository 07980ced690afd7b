"""Feed URLs (see feeds/links.py for how they are formed)."""

from django.urls import path, register_converter

from . import views


class FormatConverter:
    regex = "ics|rss|atom"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class KindConverter(FormatConverter):
    regex = "branch|stop|track"


register_converter(FormatConverter, "feedformat")
register_converter(KindConverter, "feedkind")

app_name = "feeds"
urlpatterns = [
    path("calendar.<feedformat:fmt>", views.selection_feed, name="calendar"),
    path("<feedkind:kind>/<slug:slug>.<feedformat:fmt>", views.selection_feed, name="selection"),
    path("event/<int:pk>.ics", views.event_calendar, name="event"),
]
