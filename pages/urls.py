"""The HTML pages: the public calendar (Danish first, English by the language switch), the
login, and the management dashboard with the KIU status reports."""

from django.urls import path

from . import account, dashboard, embed, national, notifications, programme, public, screen, staff

app_name = "pages"
urlpatterns = [
    # Public calendar
    path("", public.calendar, name="calendar"),
    path("uge/", public.calendar_week, name="calendar-week"),
    path("maaned/", public.calendar_month, name="calendar-month"),
    path("was", public.accessibility_statement, name="was"),
    path("arrangementer/<int:pk>/", public.event_detail, name="event-detail"),
    path("biblioteker/", public.branch_list, name="branch-list"),
    path("biblioteker/<slug:slug>/", public.branch_detail, name="branch-detail"),
    path("spor/", public.track_list, name="track-list"),
    path("spor/<slug:slug>/", public.track_detail, name="track-detail"),
    # Take the calendar along (issue 17): embeds, branch screens, the printed programme
    path("embed.js", embed.script, name="embed-script"),
    path("indlejr/", embed.frame, name="embed-frame"),
    path("indlejr/data.json", embed.data, name="embed-data"),
    path("skaerm/<slug:slug>/", screen.screen, name="screen"),
    path("program/", programme.programme, name="programme"),
    path("program/pdf/", programme.programme_pdf, name="programme-pdf"),
    # Login
    path("konto/login/", account.LoginView.as_view(), name="login"),
    path("konto/logout/", account.LogoutView.as_view(), name="logout"),
    # Staff: attendance per branch
    path("personale/fremmoede/", staff.attendance_index, name="attendance-index"),
    path("personale/fremmoede/<slug:slug>/", staff.attendance, name="attendance"),
    path(
        "personale/notifikationer/",
        notifications.notification_settings,
        name="notification-settings",
    ),
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
