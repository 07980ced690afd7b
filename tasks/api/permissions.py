"""Who may read and write status figures, reports and action plans.

Reads: staff, management and administrators (the same people who may see attendance, so the
predicate is the API's ``may_read_attendance``). Writes (recompute, reports on demand, plans):
management and administrators.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from events import roles
from events.roles import may_read_attendance


def may_manage_status(user) -> bool:
    return bool(user and user.is_authenticated) and roles.is_management(user)


class ReadsStatus(BasePermission):
    """Staff and management read; only management and administrators write."""

    message = _(
        "Only staff and management may see status figures; only management may change them."
    )

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return may_read_attendance(request.user)
        return may_manage_status(request.user)


class ManagesStatus(BasePermission):
    message = _("Only management and administrators may do this.")

    def has_permission(self, request, view) -> bool:
        return may_manage_status(request.user)


class LinksInitiativeEvents(BasePermission):
    """Changing an initiative: staff link their branch's events; management changes the rest
    (the view checks which fields and events)."""

    message = _("Only staff and management may change initiatives.")

    def has_permission(self, request, view) -> bool:
        return may_read_attendance(request.user)
