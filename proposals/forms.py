"""The public proposal form (with its spam guards) and the staff's decision forms."""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from events.models import Audience, Branch, Stop, Track

from . import guards
from .models import DATES_MAX, DESCRIPTION_MAX, NAME_MAX, REASON_MAX, TITLE_MAX, Proposal

PHONE = re.compile(r"^\+?[0-9 ()-]{6,20}$")


class BranchChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Branch) -> str:
        return obj.name


class ProposalForm(forms.Form):
    """What the issue asks for and nothing more; the spam guards are checked in ``clean``."""

    title = forms.CharField(label=gettext_lazy("Title"), max_length=TITLE_MAX)
    description = forms.CharField(
        label=gettext_lazy("What is it?"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("Describe the activity: what happens, and how it goes."),
    )
    proposer_kind = forms.ChoiceField(
        label=gettext_lazy("Who are you?"),
        choices=Proposal.ProposerKind.choices,
        widget=forms.RadioSelect,
        initial=Proposal.ProposerKind.PERSON,
    )
    name = forms.CharField(
        label=gettext_lazy("Your name, or the association's name"),
        max_length=NAME_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    branch = BranchChoiceField(
        label=gettext_lazy("Where would you like it to be?"),
        queryset=Branch.objects.all(),
        empty_label=None,
    )
    preferred_dates = forms.CharField(
        label=gettext_lazy("Preferred dates"),
        max_length=DATES_MAX,
        required=False,
        help_text=gettext_lazy("For example: Tuesday evenings in March, or 14 May afternoon."),
    )
    flexible = forms.BooleanField(label=gettext_lazy("The dates are flexible"), required=False)
    audiences = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Who is it for?"),
        queryset=Audience.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    needs_room = forms.BooleanField(label=gettext_lazy("A room"), required=False)
    needs_equipment = forms.BooleanField(
        label=gettext_lazy("Equipment (e.g. a projector or chairs)"), required=False
    )
    needs_promotion = forms.BooleanField(label=gettext_lazy("Help to promote it"), required=False)
    email = forms.EmailField(
        label=gettext_lazy("Email"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=gettext_lazy("We send a receipt and our answer here."),
    )
    phone = forms.CharField(
        label=gettext_lazy("Phone (optional)"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "type": "tel"}),
    )
    # the honeypot: hidden from people (off screen, out of the tab order, hidden from screen
    # readers); a bot that fills every field fills it too
    homepage = forms.CharField(
        label=gettext_lazy("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    shown = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audiences"].label_from_instance = lambda a: a.name  # type: ignore[attr-defined]
        self.refused = ""  # the spam guard that refused it, for the log and the tests

    def clean_phone(self) -> str:
        phone = (self.cleaned_data.get("phone") or "").strip()
        if phone and not PHONE.match(phone):
            raise forms.ValidationError(_("Enter a phone number of digits (spaces and + allowed)."))
        return phone

    def clean(self):
        data = super().clean() or {}
        if not (data.get("preferred_dates") or "").strip() and not data.get("flexible"):
            self.add_error(
                "preferred_dates", _("Give preferred dates, or tick that you are flexible.")
            )
        links = guards.count_links(
            data.get("title", ""), data.get("description", ""), data.get("preferred_dates", "")
        )
        if links > settings.PROPOSAL_MAX_LINKS:
            self._refuse(
                "links",
                _("Your text has %(n)d links; at most %(max)d are allowed. Please remove some.")
                % {"n": links, "max": settings.PROPOSAL_MAX_LINKS},
            )
        if (self.data.get(guards.HONEYPOT) or "").strip():
            self._refuse(
                "honeypot",
                _(
                    "The proposal could not be sent: the field “Leave this field empty” must be "
                    "empty."
                ),
            )
        self._check_time()
        return data

    def _check_time(self) -> None:
        age = guards.stamp_age(self.data.get(guards.STAMP_FIELD, ""))
        if age is None:
            self._refuse(
                "stamp",
                _(
                    "The form had expired. Nothing you typed is lost: please check it and send "
                    "it again."
                ),
            )
        elif guards.too_fast(age):
            self._refuse(
                "too_fast",
                _("That was very fast. Please check what you typed and send it again."),
            )

    def _refuse(self, guard: str, message: str) -> None:
        self.refused = self.refused or guard
        self.add_error(None, message)


class TakeInForm(forms.Form):
    """What the draft event needs besides what the proposal gives: tracks and a first time
    (the room, the text and the rest are set in the admin before publishing)."""

    prefix = "take"

    tracks = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Tracks"),
        queryset=Track.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )
    start = forms.DateTimeField(
        label=gettext_lazy("Start"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    end = forms.DateTimeField(
        label=gettext_lazy("End"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    stop = forms.ModelChoiceField(
        label=gettext_lazy("Stop"), queryset=Stop.objects.none(), required=False
    )

    def __init__(self, *args, branch: Branch, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tracks"].label_from_instance = lambda t: t.name  # type: ignore[attr-defined]
        if branch.is_bookmobile:
            stop = self.fields["stop"]
            assert isinstance(stop, forms.ModelChoiceField)
            stop.queryset = Stop.objects.filter(branch=branch)
            stop.required = True
        else:
            del self.fields["stop"]


class DeclineForm(forms.Form):
    prefix = "decline"
    reason = forms.CharField(
        label=gettext_lazy("Reason (sent to the proposer)"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    tracks = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Tracks it would have served (for the statistics)"),
        queryset=Track.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tracks"].label_from_instance = lambda t: t.name  # type: ignore[attr-defined]


class PassForm(forms.Form):
    prefix = "pass"
    branch = BranchChoiceField(
        label=gettext_lazy("Pass to"), queryset=Branch.objects.none(), empty_label=None
    )
    note = forms.CharField(
        label=gettext_lazy("Note for their staff"),
        max_length=REASON_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, current: Branch, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["branch"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Branch.objects.exclude(pk=current.pk)
