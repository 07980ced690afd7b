"""A user's notification preferences (``NotificationPreference``): read with defaults, changed
by the user on their staff page or by an administrator in the admin."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import NotificationPreference


def notification_preference_get(*, user) -> NotificationPreference:
    """The user's preferences; an unsaved row with the defaults when they never chose."""
    found = NotificationPreference.objects.filter(user=user).first()
    return found or NotificationPreference(user=user)


def notification_preference_update(
    *, user, attendance_digest: bool, language: str
) -> NotificationPreference:
    """Save the user's choices (their own; the caller decides who may)."""
    if language not in NotificationPreference.Language.values:
        raise ValidationError({"language": [_("Choose Danish or English.")]})
    preference, _created = NotificationPreference.objects.update_or_create(
        user=user,
        defaults={
            "attendance_digest": bool(attendance_digest),
            "language": language,
            "updated_at": timezone.now(),
        },
    )
    return preference
