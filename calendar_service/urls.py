from django.contrib import admin
from django.http import JsonResponse
from django.urls import include, path
from django.utils.translation import gettext as _
from django.views import defaults
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from calendar_service import health
from events.admin_repeat import repeat_preview
from pages import account

# A login that django-axes refused says so on the admin's login page too.
admin.site.login_form = account.AdminLoginForm

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # The event form's repeat picker asks for its live preview here (staff only).
    path(
        "admin/events/event/repeat-preview/",
        admin.site.admin_view(repeat_preview),
        name="events_repeat_preview",
    ),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("events.api.urls")),
    path("api/v1/", include("tasks.api.urls")),
    # Session login and logout for the browsable API (limited like every password login). The
    # login is ours, ahead of DRF's, so that a locked-out login says so.
    path("api/auth/login/", account.ApiLoginView.as_view()),
    path("api/auth/", include("rest_framework.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("feeds/", include("feeds.urls")),
    path("", include("pages.urls")),
]


def not_found(request, exception):
    """A 404 under /api/ is JSON like the API's other errors; elsewhere the HTML page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)


def bad_request(request, exception):
    """A 400 Django raises itself (a malformed request) is JSON under /api/ as well."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Bad request.")}, status=400)
    return defaults.bad_request(request, exception)


handler400 = bad_request
handler404 = not_found
