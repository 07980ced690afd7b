"""Login and the management dashboard (status figures and KIU reports)."""

from django.urls import path

from . import views

app_name = "tasks"
urlpatterns = [
    path("konto/login/", views.LoginView.as_view(), name="login"),
    path("konto/logout/", views.LogoutView.as_view(), name="logout"),
    path("ledelse/", views.dashboard, name="dashboard"),
    path("ledelse/rapporter/", views.report_list, name="report-list"),
    path("ledelse/rapporter/ny/", views.report_start, name="report-start"),
    path("ledelse/rapporter/<int:pk>/", views.report_detail, name="report-detail"),
    path("ledelse/genberegn/", views.recompute_start, name="recompute-start"),
    path("ledelse/job/<uuid:pk>/", views.job_detail, name="job-detail"),
]
