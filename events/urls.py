"""Public calendar pages (Danish first, English by language switch)."""

from django.urls import path

from . import views

app_name = "events"
urlpatterns = [
    path("arrangementer/<int:pk>/", views.event_detail, name="event-detail"),
]
