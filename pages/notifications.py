"""The staff's own notification settings (/personale/notifikationer/): whether they get the
daily attendance digest, and in which language. Everyone changes only their own; an
administrator changes anyone's in the admin (``tasks.admin``)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from events import roles
from events.models import Branch
from tasks.models import NotificationPreference
from tasks.services.preferences import (
    notification_preference_get,
    notification_preference_update,
)

LOGIN_URL = reverse_lazy("pages:login")


class NotificationForm(forms.Form):
    attendance_digest = forms.BooleanField(
        label=gettext_lazy("Send me the attendance digest"),
        required=False,
        help_text=gettext_lazy(
            "Each morning, a mail listing the occurrences at your branches that ended more than "
            "a day ago without attendance; reminders after 3 and 7 days. Nothing is sent when "
            "nothing is missing."
        ),
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language of my mails"),
        choices=NotificationPreference.Language.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": gettext_lazy("Choose Danish or English.")},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def notification_settings(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), str(LOGIN_URL))
    if not roles.may_read_attendance(request.user):
        raise PermissionDenied(
            _("Only staff, management and administrators have notification settings.")
        )
    preference = notification_preference_get(user=request.user)
    status = 200
    if request.method == "POST":
        form = NotificationForm(request.POST)
        if form.is_valid():
            try:
                notification_preference_update(user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(name if name in form.fields else None, error)
            else:
                messages.success(request, _("Your notification settings were saved."))
                return redirect("pages:notification-settings")
        status = 400
    else:
        form = NotificationForm(
            initial={
                "attendance_digest": preference.attendance_digest,
                "language": preference.language,
            }
        )
    context = {
        "form": form,
        "branches": Branch.objects.filter(pk__in=roles.branch_ids(request.user)),
        "email": request.user.email,
    }
    return render(request, "pages/notification_settings.html", context, status=status)
