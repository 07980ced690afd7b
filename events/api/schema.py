"""The OpenAPI schema class of the API: every operation documents the error answers any
request can get, so that a client (and schemathesis) finds each answer in the schema.

- 400: a malformed or unknown parameter, an invalid body or unreadable JSON. The body maps each
  field (or query parameter) at fault to its reasons (nested for lists: ``{"items": {"2":
  {"total": [...]}}}``), or says ``detail`` for a body that is not JSON.
- 401: a bad token or, for what needs a login, no login.
- 403: a login without the right to do this.
- 404: no such object, a page number past the end, or a URL under /api/ that names nothing.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny

DETAIL = inline_serializer(
    "Detail", fields={"detail": serializers.CharField(help_text=_("What went wrong."))}
)
# Keys are the fields or query parameters at fault: a free-form object, not a fixed property.
FIELD_ERRORS = OpenApiTypes.OBJECT

STANDARD_ERRORS = {
    "400": OpenApiResponse(
        FIELD_ERRORS,
        description=_(
            "Invalid input: each field or query parameter at fault with its reasons (or "
            "“detail” for a body that is not JSON); nothing was changed."
        ),
    ),
    "401": OpenApiResponse(DETAIL, description=_("A bad token, or a login is needed.")),
    "403": OpenApiResponse(DETAIL, description=_("You may not do this.")),
    "404": OpenApiResponse(DETAIL, description=_("No such object or page, or not visible to you.")),
}


class ApiAutoSchema(AutoSchema):
    def get_auth(self):
        """Reads that anyone may do list "no login" ({}) among their security requirements,
        as drf-spectacular does for AllowAny."""
        auths = super().get_auth()
        if self.method in ("GET", "HEAD") and {} not in auths:
            permissions = self.view.get_permissions()
            if all(
                isinstance(p, AllowAny) or getattr(p, "anonymous_reads", False) for p in permissions
            ):
                auths.append({})
        return auths

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response" or not self.path.startswith("/api/"):
            return responses
        for code, response in STANDARD_ERRORS.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, None, direction)
        return responses
