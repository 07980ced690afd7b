"""Who may write, as small predicates over ``events.roles``.

Reading is decided by the selectors (drafts are invisible, hence 404, to whoever may not see
them). Writing: administrators everywhere, staff at their own branches, nobody else; management
reads everything and edits nothing.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission

from events import roles
from events.models import Branch, Event, Occurrence


def _branch_id(obj) -> int | None:
    if isinstance(obj, Branch):
        return obj.pk
    if isinstance(obj, Event):
        return obj.branch_id
    if isinstance(obj, Occurrence):
        return obj.event.branch_id
    return getattr(obj, "branch_id", None)


def may_edit_somewhere(user) -> bool:
    return roles.is_admin(user) or bool(roles.branch_ids(user))


class ReadOrBranchEditor(BasePermission):
    """Everyone reads (what the queryset lets them see); writes need a branch to write at, and
    an object is written only by staff of its branch or an administrator."""

    message = _("Only staff of this branch or an administrator may change this.")
    anonymous_reads = True  # the schema lists "no login" among the ways to read

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_authenticated) and may_edit_somewhere(
            request.user
        )

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in SAFE_METHODS:
            return True
        branch_id = _branch_id(obj)
        return branch_id is not None and roles.can_edit_branch(request.user, branch_id)


class ReadsAttendance(BasePermission):
    """Head counts are internal: staff, management and administrators read them."""

    message = _("Only staff and management may see attendance.")

    def has_permission(self, request, view) -> bool:
        return roles.may_read_attendance(request.user)


def check_branch(request, branch: Branch | None) -> None:
    """For a write that names a branch (create, move to another branch, bulk attendance):
    403 unless the user may edit there."""
    if branch is not None and not roles.can_edit_branch(request.user, branch.pk):
        raise PermissionDenied(
            _("You may only schedule and record attendance at your own branches.")
        )


class ReadOrAdministrator(BasePermission):
    """Everyone reads; only administrators write (branches, stops and rooms)."""

    message = _("Only administrators may change branches, stops and rooms.")
    anonymous_reads = True

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or roles.is_admin(request.user)
