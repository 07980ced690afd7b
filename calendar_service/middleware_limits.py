"""Limits at the door: request size (413) and login attempts.

- ``RequestSizeLimitMiddleware``: Django only notices an oversized body when ``request.body``
  is read and then answers 400; DRF's parsers read the stream directly and do not notice at
  all. This answers 413 for any request whose declared length exceeds
  ``DATA_UPLOAD_MAX_MEMORY_SIZE``, before a view runs.
- ``RateLimitedModelBackend``: Django's ``ModelBackend`` with a cache-based limit on failed
  logins per username and client address, and per address. Every password login goes through
  ``authenticate()`` (the admin, the API's session login), so one limiter covers all of them.
  The cache is Redis when ``REDIS_URL`` is set, so the limit holds across processes.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import JsonResponse
from django.utils.translation import gettext as _

# --- request size -------------------------------------------------------------------------


def _too_large() -> JsonResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return JsonResponse(
        {"detail": _("The request is too large (at most %(limit)d bytes).") % {"limit": limit}},
        status=413,
    )


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            return _too_large()
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RequestDataTooBig):
            return _too_large()
        return None


# --- login attempts -----------------------------------------------------------------------

LOGIN_FAILURES_PER_USER = getattr(settings, "LOGIN_FAILURES_PER_USER", 5)
LOGIN_FAILURES_PER_ADDRESS = getattr(settings, "LOGIN_FAILURES_PER_ADDRESS", 20)
LOGIN_LOCKOUT_SECONDS = getattr(settings, "LOGIN_LOCKOUT_SECONDS", 15 * 60)


def _client_address(request) -> str:
    if request is None:
        return "-"
    return request.META.get("REMOTE_ADDR") or "-"


def _key(*parts: str) -> str:
    digest = hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]
    return f"login-failures:{digest}"


def login_keys(request, username: str | None) -> tuple[str, str]:
    address = _client_address(request)
    return _key("user", (username or "").strip().lower(), address), _key("address", address)


def _count(key: str) -> int:
    return int(cache.get(key) or 0)


def _increment(key: str) -> None:
    # add() is atomic on Redis and local memory; incr() then counts without a race.
    if not cache.add(key, 1, timeout=LOGIN_LOCKOUT_SECONDS):
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, timeout=LOGIN_LOCKOUT_SECONDS)


class RateLimitedModelBackend(ModelBackend):
    """After too many failures, logins from that address (for that user) are refused for a
    while, even with the right password."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(self._username_field())
        user_key, address_key = login_keys(request, username)
        if (
            _count(user_key) >= LOGIN_FAILURES_PER_USER
            or _count(address_key) >= LOGIN_FAILURES_PER_ADDRESS
        ):
            # PermissionDenied stops authenticate() from trying other backends.
            raise PermissionDenied(_("Too many failed login attempts; try again later."))
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            _increment(user_key)
            _increment(address_key)
        else:
            cache.delete(user_key)
        return user

    @staticmethod
    def _username_field() -> str:
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD
