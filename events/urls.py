"""Public calendar pages (Danish first, English by language switch)."""

from django.urls import path

from . import views

app_name = "events"
urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("arrangementer/<int:pk>/", views.event_detail, name="event-detail"),
    path("biblioteker/", views.branch_list, name="branch-list"),
    path("biblioteker/<slug:slug>/", views.branch_detail, name="branch-detail"),
    path("spor/", views.track_list, name="track-list"),
    path("spor/<slug:slug>/", views.track_detail, name="track-detail"),
]
