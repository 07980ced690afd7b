"""The repeat picker on the event's admin page: a form field whose widget renders the picker
(server-side template, ``events/repeat-picker.js`` for the live preview), and the preview view.

The picker posts choices (``repeat_freq``, ``repeat_weekdays``, ``repeat_end``, ...), never RRULE
text: ``recurrence_text.build_rrule`` writes the rule in the event form's ``clean``.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from . import recurrence, roles
from . import recurrence_text as rt
from .models import LOCAL_TZ

WEEKDAY_CHOICES = [(code, WEEKDAYS[i]) for i, code in enumerate(rt.DAY_CODES)]
SETPOS_CHOICES = [
    (1, pgettext_lazy("weekday of the month", "first")),
    (2, pgettext_lazy("weekday of the month", "second")),
    (3, pgettext_lazy("weekday of the month", "third")),
    (4, pgettext_lazy("weekday of the month", "fourth")),
    (-1, pgettext_lazy("weekday of the month", "last")),
]
FREQ_CHOICES = [
    (rt.NONE, _("Does not repeat")),
    (rt.DAILY, _("Daily")),
    (rt.WEEKLY, _("Weekly")),
    (rt.MONTHLY, _("Monthly")),
]
CUSTOM_CHOICE = (rt.CUSTOM, _("Keep the rule an administrator wrote"))
FIELD_NAMES = (
    "repeat_freq",
    "repeat_interval",
    "repeat_weekdays",
    "repeat_monthly",
    "repeat_monthday",
    "repeat_setpos",
    "repeat_setpos_weekday",
    "repeat_end",
    "repeat_count",
    "repeat_until",
)


class RepeatForm(forms.Form):
    """The picker's inputs, validated one by one; ``choices()`` once valid."""

    repeat_freq = forms.ChoiceField(label=_("Repeats"), choices=FREQ_CHOICES, required=False)
    repeat_interval = forms.IntegerField(
        label=_("Every"), min_value=1, max_value=rt.MAX_INTERVAL, initial=1, required=False
    )
    repeat_weekdays = forms.MultipleChoiceField(
        label=_("On these weekdays"),
        choices=WEEKDAY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    repeat_monthly = forms.ChoiceField(
        label=_("Monthly"),
        choices=[(rt.BY_MONTHDAY, _("on a date")), (rt.BY_WEEKDAY, _("on a weekday"))],
        widget=forms.RadioSelect,
        initial=rt.BY_MONTHDAY,
        required=False,
    )
    repeat_monthday = forms.IntegerField(
        label=_("Day of the month"), min_value=1, max_value=31, required=False
    )
    repeat_setpos = forms.TypedChoiceField(
        label=_("Which"), choices=SETPOS_CHOICES, coerce=int, required=False
    )
    repeat_setpos_weekday = forms.ChoiceField(
        label=_("Weekday"), choices=WEEKDAY_CHOICES, required=False
    )
    repeat_end = forms.ChoiceField(
        label=_("Ends"),
        choices=[
            (rt.END_COUNT, _("after a number of times")),
            (rt.END_UNTIL, _("on a date")),
            (rt.END_NEVER, _("never (occurrences are made a year ahead)")),
        ],
        widget=forms.RadioSelect,
        initial=rt.END_NEVER,
        required=False,
    )
    repeat_count = forms.IntegerField(
        label=_("Number of times"), min_value=1, max_value=recurrence.MAX_COUNT, required=False
    )
    repeat_until = forms.DateField(
        label=_("Last date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        required=False,
    )

    def __init__(self, *args, custom_rule: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.custom_rule = custom_rule
        if custom_rule:
            field = self.fields["repeat_freq"]
            field.choices = [*FREQ_CHOICES, CUSTOM_CHOICE]  # type: ignore[attr-defined]

    def clean(self):
        super().clean()
        data = self.cleaned_data
        freq = data.get("repeat_freq") or rt.NONE
        if freq in (rt.NONE, rt.CUSTOM) or self.errors:
            return data
        required = []
        if freq == rt.WEEKLY:
            required.append("repeat_weekdays")
        if freq == rt.MONTHLY:
            if data.get("repeat_monthly") == rt.BY_WEEKDAY:
                required += ["repeat_setpos", "repeat_setpos_weekday"]
            else:
                required.append("repeat_monthday")
        end = data.get("repeat_end") or rt.END_NEVER
        if end == rt.END_COUNT:
            required.append("repeat_count")
        elif end == rt.END_UNTIL:
            required.append("repeat_until")
        for name in required:
            if data.get(name) in (None, "", []):
                self.add_error(name, forms.Field.default_error_messages["required"])
        return data

    def choices(self) -> rt.RepeatChoices:
        data = self.cleaned_data
        freq = data.get("repeat_freq") or rt.NONE
        if freq == rt.CUSTOM:
            return rt.RepeatChoices(freq=rt.CUSTOM, rule=self.custom_rule)
        return rt.RepeatChoices(
            freq=freq,
            interval=data.get("repeat_interval") or 1,
            weekdays=tuple(data.get("repeat_weekdays") or ()),
            monthly=data.get("repeat_monthly") or rt.BY_MONTHDAY,
            monthday=data.get("repeat_monthday"),
            setpos=data.get("repeat_setpos"),
            setpos_weekday=data.get("repeat_setpos_weekday") or None,
            end=data.get("repeat_end") or rt.END_NEVER,
            count=data.get("repeat_count"),
            until=data.get("repeat_until"),
        )


def initial_data(choices: rt.RepeatChoices, *, start=None) -> dict[str, Any]:
    """The picker's initial values for stored choices, the blanks filled from the start."""
    base = rt.defaults_for(start) if start else {}
    return {
        "repeat_freq": choices.freq,
        "repeat_interval": choices.interval,
        "repeat_weekdays": list(choices.weekdays or base.get("weekdays", ())),
        "repeat_monthly": choices.monthly,
        "repeat_monthday": choices.monthday or base.get("monthday"),
        "repeat_setpos": choices.setpos or base.get("setpos"),
        "repeat_setpos_weekday": choices.setpos_weekday or base.get("setpos_weekday"),
        "repeat_end": choices.end,  # "never" for a new series, as calendars do
        "repeat_count": choices.count,
        "repeat_until": choices.until,
    }


class PostedChoices(dict):
    """The picker's inputs as posted (the widget's value on a bound form)."""


class RepeatWidget(forms.Widget):
    """Renders the whole picker; its value is the posted picker inputs (or None when the page
    had no picker, so a post without it leaves the rule alone)."""

    template_name = "admin/events/event/repeat_widget.html"

    class Media:
        css = {"all": ("events/repeat-picker.css",)}
        js = ("events/repeat-picker.js",)

    def value_from_datadict(self, data, files, name):
        if "repeat_freq" not in data:
            return None
        values = PostedChoices()
        for key in FIELD_NAMES:
            values[key] = data.getlist(key) if hasattr(data, "getlist") else data.get(key)
            if key != "repeat_weekdays" and isinstance(values[key], list):
                values[key] = values[key][-1] if values[key] else ""
        return values

    def value_omitted_from_data(self, data, files, name):
        return "repeat_freq" not in data

    def id_for_label(self, id_):
        return "id_repeat_freq"

    custom_rule = ""  # the stored rule when the picker cannot show it (set by the event form)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if isinstance(value, PostedChoices):
            form = RepeatForm(data=value, custom_rule=self.custom_rule)
            form.is_valid()  # the errors show at their inputs
        else:
            form = RepeatForm(initial=value or {}, custom_rule=self.custom_rule)
        context["picker"] = form
        context["custom_rule"] = self.custom_rule
        context["preview_url"] = reverse("events_repeat_preview")
        context["units"] = {
            rt.DAILY: _("days"),
            rt.WEEKLY: _("weeks"),
            rt.MONTHLY: _("months"),
        }
        return context


class RepeatField(forms.Field):
    """The picker's choices (``RepeatChoices``), or None when the post had no picker."""

    widget = RepeatWidget

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.custom_rule = ""

    def set_custom_rule(self, rule: str) -> None:
        """The stored rule that the picker cannot show: it may be kept, never retyped."""
        self.custom_rule = self.widget.custom_rule = rule

    def clean(self, value):
        if value is None:
            return None
        form = RepeatForm(data=value, custom_rule=self.custom_rule)
        if not form.is_valid():
            raise ValidationError(_("Check the repeat choices below."), code="invalid")
        return form.choices()

    stored: rt.RepeatChoices | None = None  # the stored rule's choices (set by the event form)

    def has_changed(self, initial, data) -> bool:
        if data is None:
            return False
        try:
            return self.clean(data) != self.stored
        except ValidationError:
            return True


# --- the live preview -----------------------------------------------------------------------


class PreviewForm(RepeatForm):
    start = forms.SplitDateTimeField(label=_("start"))
    all_day = forms.BooleanField(required=False)
    exdates = forms.CharField(required=False)
    rrule = forms.CharField(required=False)  # a custom rule, shown as it is

    def clean_exdates(self) -> set[date]:
        days = set()
        for chunk in re.split(r"[\s,;]+", self.cleaned_data.get("exdates") or ""):
            if not chunk:
                continue
            try:
                days.add(date.fromisoformat(chunk))
            except ValueError as exc:
                raise ValidationError(
                    _("“%(value)s” is not a date; write dates as YYYY-MM-DD."),
                    params={"value": chunk},
                ) from exc
        return days


def _label(moment, all_day: bool) -> str:
    day = formats.date_format(moment, pgettext("date in the repeat preview", "l, j F Y"))
    if all_day:
        return day
    return gettext("%(pattern)s at %(time)s") % {"pattern": day, "time": rt._time(moment)}


def repeat_preview(request: HttpRequest) -> JsonResponse:
    """GET the picker's inputs and ``start_0``/``start_1`` (the event form's start): 200 with
    the rule, its sentence and its next dates (local time), or 400 with the field errors."""
    if not (roles.is_staff_member(request.user) or roles.is_admin(request.user)):
        return JsonResponse({"detail": str(_("Only staff may preview repeats."))}, status=403)
    form = PreviewForm(data=request.GET, custom_rule=request.GET.get("rrule", ""))
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    start = form.cleaned_data["start"].astimezone(LOCAL_TZ)
    all_day = form.cleaned_data["all_day"]
    try:
        rule = rt.build_rrule(form.choices(), start=start)
    except recurrence.RecurrenceError as exc:
        return JsonResponse({"errors": {"rrule": [{"message": str(exc)}]}}, status=400)
    except ValidationError as exc:
        return JsonResponse(
            {"errors": {k: [{"message": m} for m in v] for k, v in exc.message_dict.items()}},
            status=400,
        )
    today = timezone.now().astimezone(LOCAL_TZ).date()
    dates = rt.next_dates(rule, start=start, exdates=form.cleaned_data["exdates"], today=today)
    return JsonResponse(
        {
            "rrule": rule,
            "sentence": rt.describe(rule, start=start, all_day=all_day),
            "dates": [
                {
                    "date": moment.date().isoformat(),
                    "start": moment.isoformat(),
                    "label": _label(moment, all_day),
                    "excluded": excluded,
                }
                for moment, excluded in dates
            ],
        }
    )
