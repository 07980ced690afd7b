"""Limits at the door: request size (413) and login attempts (django-axes).

- ``RequestSizeLimitMiddleware``: Django only notices an oversized body when ``request.body``
  is read and then answers 400; DRF's parsers read the stream directly and do not notice at
  all. This answers 413 for any request whose declared length exceeds
  ``DATA_UPLOAD_MAX_MEMORY_SIZE``, before a view runs.
- Failed logins are counted and refused by django-axes (settings: ``AXES_*``). This module
  gives it the client address behind ``TRUSTED_PROXY_COUNT`` proxies (``client_address``), the
  message a locked-out login shows (``lockout_message``) and the answer (``lockout_response``).
"""

from __future__ import annotations

from math import ceil

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ipware.ip import get_client_ip

# --- request size -------------------------------------------------------------------------


def _too_large(limit: int | None = None) -> JsonResponse:
    limit = limit or settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return JsonResponse(
        {"detail": _("The request is too large (at most %(limit)d bytes).") % {"limit": limit}},
        status=413,
    )


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if request.META.get("CONTENT_TYPE", "").startswith("multipart/form-data"):
            # A file upload (an event's picture); Django still holds its other fields to
            # DATA_UPLOAD_MAX_MEMORY_SIZE and spools the file to disk.
            limit = getattr(settings, "UPLOAD_MAX_BYTES", limit)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            return _too_large(limit)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RequestDataTooBig):
            return _too_large()
        return None


# --- login attempts -----------------------------------------------------------------------


def client_address(request: HttpRequest) -> str | None:
    """The client's address as the trusted proxies report it (``AXES_CLIENT_IP_CALLABLE``).

    With ``TRUSTED_PROXY_COUNT`` = 0 only ``REMOTE_ADDR`` counts: a client can write any
    ``X-Forwarded-For`` it likes. With N > 0, each proxy appends the address it got the request
    from, so the client is the N-th entry from the right; whatever stands further left was sent
    by the client and is ignored. django-ipware's ``proxy_count`` counts the proxies *listed* in
    the header, which is N - 1 (the last proxy is ``REMOTE_ADDR``), and not ``strict``, because a
    client's own entries on the left must not invalidate the chain.
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count == 0:
        address, _routable = get_client_ip(request, request_header_order=["REMOTE_ADDR"])
    else:
        address, _routable = get_client_ip(
            request,
            proxy_count=count - 1,
            request_header_order=["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"],
            strict=False,
        )
    return address


def lockout_message() -> str:
    from axes.helpers import get_cool_off  # imports axes' models: only once the apps are ready

    minutes = ceil(get_cool_off().total_seconds() / 60)
    return ngettext(
        "Too many failed login attempts for this username from your network address. "
        "Please wait up to %(minutes)d minute and try again.",
        "Too many failed login attempts for this username from your network address. "
        "Please wait up to %(minutes)d minutes and try again.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """What a locked-out login answers (``AXES_LOCKOUT_CALLABLE``): the login page as the view
    rendered it, whose form says why (pages/account.py: ``LoginForm``), as 429; a
    client that does not get HTML gets ``{"detail": message}``."""
    content_type = original_response.get("Content-Type", "") if original_response else ""
    if original_response is not None and content_type.startswith("text/html"):
        original_response.status_code = 429
        return original_response
    return JsonResponse({"detail": lockout_message()}, status=429)
