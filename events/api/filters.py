"""Query parameters of the event and occurrence lists.

The FilterSets only read and check the parameters; they turn them into a
``selectors.Selection`` and a window of local dates and let the selectors do the filtering, so
"which events match branch X and track Y" is decided in one place for the API and the feeds.
A slug that names nothing, a malformed date or an unknown ordering answers 400 naming the
parameter, never an empty 200.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import django_filters
from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from events import selectors
from events.models import Event

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class _RepeatedOrCommaWidget(forms.TextInput):
    """``?branch=a&branch=b`` and ``?branch=a,b`` both give ``["a", "b"]``."""

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        values = [v for v in values if v is not None]
        return values or None


class ParsedElsewhereField(forms.Field):
    """A parameter ``selectors.selection_parse`` reads (slugs, dates): the form only carries it
    for the schema; ``SelectionFilterSet.is_valid`` parses and checks it."""

    widget = _RepeatedOrCommaWidget

    def to_python(self, value: Any) -> Any:
        return value


class SlugListField(forms.Field):
    """A list of choices (the statuses), read like the slugs of a selection."""

    widget = _RepeatedOrCommaWidget
    default_error_messages = {"invalid": _("Not a valid slug: %(values)s.")}

    def to_python(self, value: Any) -> list[str]:
        if not value:
            return []
        chunks = value if isinstance(value, list | tuple) else [value]
        values = [p.strip() for chunk in chunks for p in str(chunk).split(",") if p.strip()]
        bad = [v for v in values if not selectors.slug_is_valid(v)]
        if bad:
            raise forms.ValidationError(
                self.error_messages["invalid"],
                code="invalid",
                params={"values": ", ".join(bad).replace("\x00", "\\x00")},
            )
        return list(dict.fromkeys(values))


class IdListField(forms.Field):
    """Ids: whole numbers, comma-separated or repeated, at most MAX_SLUGS of them."""

    widget = _RepeatedOrCommaWidget
    default_error_messages = {
        "invalid": _("Give ids: whole numbers separated by commas."),
        "too_many": _("Too many values; at most %(max)d."),
    }
    MAX_ID = 2**31 - 1

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        chunks = value if isinstance(value, list | tuple) else [value]
        parts = [p.strip() for chunk in chunks for p in str(chunk).split(",")]
        if not parts or any(
            not (p.isascii() and p.isdigit()) or not 0 < int(p) <= self.MAX_ID for p in parts
        ):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        ids = list(dict.fromkeys(int(p) for p in parts))
        if len(ids) > selectors.MAX_SLUGS:
            raise forms.ValidationError(
                self.error_messages["too_many"],
                code="too_many",
                params={"max": selectors.MAX_SLUGS},
            )
        return ids


class ChoiceListField(SlugListField):
    default_error_messages = {"invalid_choice": _("Not one of %(choices)s: %(values)s.")}

    def __init__(self, *, allowed: list[str], **kwargs):
        self.allowed = allowed
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> list[str]:
        values = super().to_python(value)
        bad = [v for v in values if v not in self.allowed]
        if bad:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"choices": ", ".join(self.allowed), "values": ", ".join(bad)},
            )
        return values


class _NoOp:
    """Filtering happens in ``SelectionFilterSet.filter_queryset``; each filter only parses."""

    def filter(self, qs, value):
        return qs


class SlugListFilter(_NoOp, django_filters.CharFilter):
    field_class = ParsedElsewhereField


class ChoiceListFilter(_NoOp, django_filters.CharFilter):
    field_class = ChoiceListField


class IdListFilter(_NoOp, django_filters.CharFilter):
    field_class = IdListField


class LocalDateFilter(_NoOp, django_filters.DateFilter):
    field_class = ParsedElsewhereField


class StrictBooleanField(forms.Field):
    widget = forms.TextInput
    default_error_messages = {"invalid": _("Give true or false.")}

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in ("true", "1", "yes"):
            return True
        if text in ("false", "0", "no"):
            return False
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class FlagFilter(_NoOp, django_filters.BooleanFilter):
    field_class = StrictBooleanField


class TextFilter(_NoOp, django_filters.CharFilter):
    pass


def _slugs(help_text: StrOrPromise) -> SlugListFilter:
    return SlugListFilter(
        help_text=format_lazy(
            "{} {}", help_text, _("One or several slugs, comma-separated or repeated.")
        )
    )


class SelectionFilterSet(django_filters.FilterSet):
    branch = _slugs(_("Events at any of these branches."))
    track = _slugs(_("Events serving any of these tracks."))
    track_all = _slugs(_("Events serving all of these tracks."))
    audience = _slugs(_("Events for any of these audiences."))
    stop = _slugs(_("Bookmobile events at any of these stops."))
    status = ChoiceListFilter(
        allowed=list(Event.Status.values),
        help_text=_(
            "Events with any of these statuses: draft, published, cancelled (comma-separated)."
        ),
    )
    co_created = FlagFilter(help_text=_("true: only co-created events; false: only the others."))
    q = TextFilter(
        help_text=format_lazy(
            _(
                "Words to search for in the title, description, place and partners (Danish "
                "full-text search on PostgreSQL); at most {} characters."
            ),
            selectors.MAX_TEXT_LENGTH,
        )
    )
    date_from = LocalDateFilter(help_text=_("From this local date (YYYY-MM-DD), inclusive."))
    date_to = LocalDateFilter(help_text=_("To this local date (YYYY-MM-DD), inclusive."))
    ordering = django_filters.OrderingFilter(
        fields=(("start", "start"),),
        help_text=_("start (the default) or -start."),
    )

    class Meta:
        fields: list[str] = []

    def is_valid(self) -> bool:
        """The form checks status, co_created, q and ordering; ``selectors.selection_parse``
        (the reading the feeds and pages share) the slugs and dates."""
        valid = super().is_valid()
        self.parsed = selectors.selection_parse(
            self.data, slugs=list(selectors.SLUG_PARAMETERS), dates=True, text=True
        )
        for name, messages in self.parsed.errors.items():
            for message in messages:
                # a message may quote a "%" from the query: pass it as a parameter
                error = forms.ValidationError("%(reason)s", params={"reason": message})
                self.form.add_error(name, error)
        return valid and not self.parsed.errors

    def selection(self) -> selectors.Selection:
        data = self.form.cleaned_data
        return dataclasses.replace(
            self.parsed.selection,
            statuses=tuple(data.get("status") or ()),
            co_created=data.get("co_created"),
        )

    def window(self):
        return selectors.local_day_bounds(self.parsed.first, self.parsed.last)

    def ordered(self, qs):
        if self.form.cleaned_data.get("ordering") == ["-start"]:
            return qs.order_by("-start", "-pk")
        return qs


class EventFilterSet(SelectionFilterSet):
    def filter_queryset(self, queryset):
        selection = self.selection()
        selectors.selection_validate(selection)  # UnknownSlug -> 400 naming the parameter
        start, end = self.window()
        qs = selectors.event_filter(queryset, selection=selection, start=start, end=end)
        return self.ordered(qs)


class OccurrenceFilterSet(SelectionFilterSet):
    event = IdListFilter(
        help_text=_("Occurrences of any of these events (ids, comma-separated or repeated).")
    )
    cancelled = FlagFilter(
        help_text=_(
            "true: only cancelled occurrences (or of cancelled events); false: only those that "
            "take place."
        )
    )

    def filter_queryset(self, queryset):
        selection = self.selection()
        selectors.selection_validate(selection)
        start, end = self.window()
        qs = selectors.occurrence_filter(
            queryset,
            selection=selection,
            start=start,
            end=end,
            cancelled=self.form.cleaned_data.get("cancelled"),
            events=self.form.cleaned_data.get("event") or (),
        )
        return self.ordered(qs)


class AttendanceFilterSet(django_filters.FilterSet):
    """The attendance list: by branch, event, occurrence and the local dates occurrences start
    on. Slugs and dates are read by ``selectors.selection_parse`` like every selection."""

    branch = _slugs(_("Head counts at any of these branches."))
    event = IdListFilter(help_text=_("Head counts of any of these events (ids)."))
    occurrence = IdListFilter(help_text=_("Head counts of these occurrences (ids)."))
    date_from = LocalDateFilter(
        help_text=_("Of occurrences starting on or after this local date (YYYY-MM-DD).")
    )
    date_to = LocalDateFilter(
        help_text=_("Of occurrences starting on or before this local date (YYYY-MM-DD).")
    )

    class Meta:
        fields: list[str] = []

    def is_valid(self) -> bool:
        valid = super().is_valid()
        self.parsed = selectors.selection_parse(self.data, slugs=["branch"], dates=True)
        for name, messages in self.parsed.errors.items():
            for message in messages:
                error = forms.ValidationError("%(reason)s", params={"reason": message})
                self.form.add_error(name, error)
        return valid and not self.parsed.errors

    def filter_queryset(self, queryset):
        selectors.selection_validate(self.parsed.selection)  # unknown branch: 400
        start, end = selectors.local_day_bounds(self.parsed.first, self.parsed.last)
        data = self.form.cleaned_data
        return selectors.attendance_filter(
            queryset,
            branches=self.parsed.selection.branches,
            events=data.get("event") or (),
            occurrences=data.get("occurrence") or (),
            start=start,
            end=end,
        )


# ``from`` and ``to`` are Python keywords: rename the filters after the class is built.
for _filterset in (SelectionFilterSet, EventFilterSet, OccurrenceFilterSet, AttendanceFilterSet):
    _filters = _filterset.base_filters
    _filters["from"] = _filters.pop("date_from")
    _filters["to"] = _filters.pop("date_to")
    if "ordering" in _filters:
        _filters["ordering"] = _filters.pop("ordering")


class KnownQueryParameters:
    """For a ViewSet: its list answers 400 naming each query parameter it does not take (as the
    feeds do), instead of ignoring it and answering everything. It takes its FilterSet's
    filters, its paginator's page and page_size, ``format`` and ``extra_query_parameters``."""

    extra_query_parameters: tuple[str, ...] = ()

    def known_query_parameters(self) -> set[str]:
        known = {"format", *self.extra_query_parameters}
        filterset_class = getattr(self, "filterset_class", None)
        if filterset_class is not None:
            known |= set(filterset_class.base_filters)
        paginator = getattr(self, "paginator", None)
        if paginator is not None:
            known |= {paginator.page_query_param, paginator.page_size_query_param}
        return known

    def list(self, request, *args, **kwargs):
        query_parameters_check(request, self.known_query_parameters())
        return super().list(request, *args, **kwargs)  # type: ignore[misc]


def query_parameters_check(request, known: Iterable[str]) -> None:
    """400 naming each query parameter of the request that is not in ``known``."""
    known = set(known)
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        message = _("Unknown parameter; use %(known)s.") % {"known": ", ".join(sorted(known))}
        raise ValidationError({name: [message] for name in unknown})
