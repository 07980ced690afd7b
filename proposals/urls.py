"""Proposals: the public form and the proposer's page, and the staff's queue."""

from django.urls import path

from . import views

app_name = "proposals"
urlpatterns = [
    path("foreslaa/", views.propose, name="propose"),
    path("foreslaa/tak/", views.thanks, name="thanks"),
    path("foreslaa/status/<str:token>/", views.follow, name="follow"),
    path("personale/forslag/", views.queue_index, name="queue-index"),
    path("personale/forslag/<slug:slug>/", views.queue, name="queue"),
    path("personale/forslag/sag/<int:pk>/", views.detail, name="detail"),
    path("personale/forslag/sag/<int:pk>/tag-ind/", views.take_in, name="take-in"),
    path("personale/forslag/sag/<int:pk>/afvis/", views.decline, name="decline"),
    path("personale/forslag/sag/<int:pk>/videregiv/", views.pass_on, name="pass"),
]
