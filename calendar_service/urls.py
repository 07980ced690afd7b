import re

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import DisallowedHost
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import include, path, re_path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.static import serve as static_serve
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
    path("", include("proposals.urls")),
    path("", include("pages.urls")),
]
if settings.SERVE_MEDIA:
    # Event pictures, for development and trials; in production the proxy serves MEDIA_ROOT.
    urlpatterns.insert(
        0,
        re_path(
            rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.*)$",
            lambda request, path: static_serve(request, path, str(settings.MEDIA_ROOT)),
        ),
    )


# --- error pages ------------------------------------------------------------------------
# The API answers JSON like its other errors; every other path gets the site's branded page
# (pages/templates/{400,403,404,500}.html), in the visitor's language, with a way back.


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _back_url(request) -> str:
    """The page the visitor came from, when it is on this site (a link back), else ""."""
    referer = request.META.get("HTTP_REFERER", "")
    try:
        host = request.get_host()
    except DisallowedHost:
        return ""
    same_site = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={host}, require_https=request.is_secure()
    )
    return referer if referer and same_site and referer != request.build_absolute_uri() else ""


def _error_page(request, status: int, **context) -> HttpResponse:
    context["back_url"] = _back_url(request)
    return render(request, f"{status}.html", context, status=status)


def bad_request(request, exception):
    """A 400 Django raises itself (a malformed request) is JSON under /api/ as well."""
    if _is_api(request):
        return JsonResponse({"detail": _("Bad request.")}, status=400)
    return _error_page(request, 400)


def permission_denied(request, exception):
    """A 403 says why when the refusal gave a reason (e.g. whose branch it is)."""
    if _is_api(request):
        return JsonResponse({"detail": str(exception) or _("Permission denied.")}, status=403)
    return _error_page(request, 403, exception=str(exception or ""))


def not_found(request, exception):
    """A 404 under /api/ is JSON like the API's other errors; elsewhere the HTML page."""
    if _is_api(request):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return _error_page(request, 404)


def server_error(request):
    """500.html is rendered without a request context (nothing that needs the database)."""
    if _is_api(request):
        return JsonResponse({"detail": _("Server error.")}, status=500)
    return defaults.server_error(request)


handler400 = bad_request
handler403 = permission_denied
handler404 = not_found
handler500 = server_error
