"""The HTML pages: the public calendar (Danish first, English by the language switch), the
login, and the management dashboard with the KIU status reports."""

from django.urls import path

from . import account, dashboard, national, public, staff

app_name = "pages"
urlpatterns = [
    # Public calendar
    path("", public.calendar, name="calendar"),
    path("arrangementer/<int:pk>/", public.event_detail, name="event-detail"),
    path("biblioteker/", public.branch_list, name="branch-list"),
    path("biblioteker/<slug:slug>/", public.branch_detail, name="branch-detail"),
    path("spor/", public.track_list, name="track-list"),
    path("spor/<slug:slug>/", public.track_detail, name="track-detail"),
    # Login
    path("konto/login/", account.LoginView.as_view(), name="login"),
    path("konto/logout/", account.LogoutView.as_view(), name="logout"),
    # Staff: attendance per branch
    path("personale/fremmoede/", staff.attendance_index, name="attendance-index"),
    path("personale/fremmoede/<slug:slug>/", staff.attendance, name="attendance"),
    # Management dashboard
    path("ledelse/", dashboard.dashboard, name="dashboard"),
    path("ledelse/rapporter/", dashboard.report_list, name="report-list"),
    path("ledelse/rapporter/ny/", dashboard.report_start, name="report-start"),
    path("ledelse/rapporter/<int:pk>/", dashboard.report_detail, name="report-detail"),
    path("ledelse/genberegn/", dashboard.recompute_start, name="recompute-start"),
    path("ledelse/initiativer/<int:pk>/", dashboard.initiative_change, name="initiative-change"),
    path("ledelse/job/<uuid:pk>/", dashboard.job_detail, name="job-detail"),
    # Management: the national statistics (Danmarks Statistik, the library barometer)
    path("ledelse/statistik/", national.national_index, name="national-index"),
    path("ledelse/statistik/<int:year>/", national.national, name="national"),
]
