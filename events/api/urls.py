"""Routes of the calendar API under /api/v1/."""

from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("tracks", views.TrackViewSet, basename="track")
router.register("audiences", views.AudienceViewSet, basename="audience")
router.register("branches", views.BranchViewSet, basename="branch")
router.register("stops", views.StopViewSet, basename="stop")
router.register("rooms", views.RoomViewSet, basename="room")
router.register("events", views.EventViewSet, basename="event")
router.register("occurrences", views.OccurrenceViewSet, basename="occurrence")
router.register("attendance", views.AttendanceViewSet, basename="attendance")
urlpatterns = router.urls
