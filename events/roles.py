"""Who may do what. Roles are Django groups (seeded by a data migration); administrators are
superusers. Staff belong to one or more branches through ``Branch.staff``."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

STAFF_GROUP = "staff"
MANAGEMENT_GROUP = "management"

User = AbstractBaseUser | AnonymousUser


def _groups(user) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_role_groups", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._role_groups = cached
    return cached


def is_admin(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_superuser)


def is_management(user) -> bool:
    return is_admin(user) or MANAGEMENT_GROUP in _groups(user)


def is_staff_member(user) -> bool:
    return is_admin(user) or STAFF_GROUP in _groups(user) or bool(branch_ids(user))


def branch_ids(user) -> set[int]:
    """The branches a user may schedule at and record attendance for."""
    if not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_role_branch_ids", None)
    if cached is None:
        cached = set(user.branches.values_list("pk", flat=True))
        user._role_branch_ids = cached
    return cached


def can_edit_branch(user, branch_id: int) -> bool:
    return is_admin(user) or branch_id in branch_ids(user)


def can_see_drafts_of(user, branch_id: int) -> bool:
    return is_management(user) or branch_id in branch_ids(user)


def may_read_attendance(user) -> bool:
    """Head counts are internal: staff, management and administrators read them."""
    return bool(user and getattr(user, "is_authenticated", False)) and (
        is_management(user) or is_staff_member(user)
    )
