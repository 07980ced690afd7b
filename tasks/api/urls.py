"""Routes of the status API under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("status/reports", views.StatusReportViewSet, basename="status-report")
router.register("action-plans", views.ActionPlanViewSet, basename="action-plan")

urlpatterns = [
    path("status/figures/", views.StatusFiguresView.as_view(), name="status-figures"),
    path("status/coverage/", views.TrackCoverageView.as_view(), name="status-coverage"),
    path("status/monthly/", views.MonthlyAttendanceView.as_view(), name="status-monthly"),
    path(
        "status/missing-attendance/",
        views.MissingAttendanceView.as_view(),
        name="status-missing-attendance",
    ),
    path("status/recompute/", views.RecomputeView.as_view(), name="status-recompute"),
    path("status/jobs/<uuid:pk>/", views.JobView.as_view(), name="status-job"),
    path(
        "status/national/<int:year>/",
        views.NationalStatisticsView.as_view(),
        name="status-national",
    ),
    path(
        "status/national/<int:year>/csv/",
        views.NationalStatisticsCsvView.as_view(),
        name="status-national-csv",
    ),
    path(
        "status/national/<int:year>/xlsx/",
        views.NationalStatisticsXlsxView.as_view(),
        name="status-national-xlsx",
    ),
    *router.urls,
]
