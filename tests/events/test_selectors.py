"""events/selectors.py, every read of the domain core: who sees drafts, what a selection of
branches, stops, tracks and audiences matches, date windows, cancelled occurrences, ordering,
and the Selection value itself. Rows are made through the services (tests/factories.py)."""

from __future__ import annotations

from datetime import UTC, date, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser

from events import selectors, services
from events.models import LOCAL_TZ, Event, Occurrence
from events.selectors import Selection, UnknownSlug
from tests import factories
from tests.factories import audience, local, track

pytestmark = pytest.mark.django_db


def titles(rows) -> list[str]:
    return [row.title for row in rows]


def event_titles(occurrences) -> list[str]:
    return [occurrence.event.title for occurrence in occurrences]


# --- drafts per role ----------------------------------------------------------------------


@pytest.fixture
def by_status(branch, other_branch):
    """A published, a cancelled and a draft event at Jyllinge, and a draft at Viby."""
    make = factories.make_event
    published = make(branch=branch, title="Offentlig", start=local(2026, 9, 1, 10, 0))
    cancelled = make(branch=branch, title="Aflyst", start=local(2026, 9, 2, 10, 0))
    services.event_cancel(event=cancelled, reason="Sygdom")
    make(branch=branch, title="Kladde Jyllinge", start=local(2026, 9, 3, 10, 0), status="draft")
    make(branch=other_branch, title="Kladde Viby", start=local(2026, 9, 4, 10, 0), status="draft")
    return published


PUBLIC = ["Offentlig", "Aflyst"]


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", PUBLIC),
        ("no role", PUBLIC),
        ("staff of Jyllinge", [*PUBLIC, "Kladde Jyllinge"]),
        ("staff of Viby", [*PUBLIC, "Kladde Viby"]),
        ("management", [*PUBLIC, "Kladde Jyllinge", "Kladde Viby"]),
        ("administrator", [*PUBLIC, "Kladde Jyllinge", "Kladde Viby"]),
    ],
)
def test_who_sees_which_drafts(
    request, by_status, who, expected, staff_user, other_staff_user, management_user, admin_user
):
    user = {
        "anonymous": AnonymousUser(),
        "no role": factories.UserFactory(username="citizen"),
        "staff of Jyllinge": staff_user,
        "staff of Viby": other_staff_user,
        "management": management_user,
        "administrator": admin_user,
    }[who]
    assert sorted(titles(selectors.visible_events(user=user))) == sorted(expected)
    assert titles(selectors.event_list(user=user)) == expected  # in order of start
    assert event_titles(selectors.occurrence_list(user=user)) == expected


def test_no_user_is_a_citizen(by_status):
    assert titles(selectors.event_list()) == PUBLIC
    assert titles(selectors.event_list(user=None)) == PUBLIC


def test_event_get_refuses_a_draft_the_user_may_not_see(
    branch, staff_user, other_staff_user, management_user
):
    draft = factories.make_event(branch=branch, title="Kladde", status=Event.Status.DRAFT)
    for user in (None, AnonymousUser(), other_staff_user):
        with pytest.raises(Event.DoesNotExist):
            selectors.event_get(user=user, pk=draft.pk)
        with pytest.raises(Event.DoesNotExist):
            selectors.event_get(user=user, uid=draft.uid)
        with pytest.raises(Occurrence.DoesNotExist):
            selectors.occurrence_get(user=user, pk=draft.occurrences.get().pk)
    for user in (staff_user, management_user):
        assert selectors.event_get(user=user, pk=draft.pk) == draft
        assert selectors.event_get(user=user, uid=draft.uid) == draft
        occurrence = draft.occurrences.get()
        assert selectors.occurrence_get(user=user, pk=occurrence.pk) == occurrence


def test_event_get_finds_published_events_by_pk_and_uid(branch):
    event = factories.make_event(branch=branch, title="Foredrag")
    assert selectors.event_get(pk=event.pk) == event
    assert selectors.event_get(uid=event.uid) == event
    with pytest.raises(Event.DoesNotExist):
        selectors.event_get(pk=event.pk + 1000)


# --- selection: branch, stop, track, audience and the rest ------------------------------------


@pytest.fixture
def catalogue(branch, other_branch, bookmobile):
    """Five events that differ in branch, stop, tracks, audiences, co-creation and text."""
    svogerslev = factories.StopFactory(branch=bookmobile, name="Svogerslev", slug="svogerslev")
    vindinge = factories.StopFactory(branch=bookmobile, name="Vindinge", slug="vindinge")
    make = factories.make_event
    make(
        branch=branch,
        title="Læsekreds",
        description="Vi læser Karen Blixen.",
        start=local(2026, 9, 1, 19, 0),
        tracks=[track("fordybelse"), track("hygge")],
        audiences=[audience("voksne")],
    )
    make(
        branch=branch,
        title="Lektiecafé",
        start=local(2026, 9, 2, 15, 0),
        tracks=[track("viden-og-vejledning")],
        audiences=[audience("boern"), audience("unge")],
        co_created=True,
    )
    make(
        branch=other_branch,
        title="Strikkeklub",
        start=local(2026, 9, 3, 14, 0),
        tracks=[track("hygge"), track("indgang-til-faellesskab"), track("fordybelse")],
        audiences=[audience("seniorer")],
        co_created=True,
    )
    make(
        branch=bookmobile,
        stop=svogerslev,
        title="Bogbussen i Svogerslev",
        start=local(2026, 9, 4, 10, 0),
        tracks=[track("en-lokal-aktoer")],
        audiences=[audience("alle")],
    )
    make(
        branch=bookmobile,
        stop=vindinge,
        title="Bogbussen i Vindinge",
        start=local(2026, 9, 4, 13, 0),
        tracks=[track("en-lokal-aktoer"), track("hygge")],
        audiences=[audience("alle"), audience("familier")],
    )


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        (
            Selection(),
            [
                "Læsekreds",
                "Lektiecafé",
                "Strikkeklub",
                "Bogbussen i Svogerslev",
                "Bogbussen i Vindinge",
            ],
        ),
        (Selection(branches=("jyllinge",)), ["Læsekreds", "Lektiecafé"]),
        (
            Selection(branches=("viby", "bogbussen")),
            ["Strikkeklub", "Bogbussen i Svogerslev", "Bogbussen i Vindinge"],
        ),
        (Selection(stops=("vindinge",)), ["Bogbussen i Vindinge"]),
        (
            Selection(stops=("svogerslev", "vindinge")),
            ["Bogbussen i Svogerslev", "Bogbussen i Vindinge"],
        ),
        # tracks: any of them; an event with several matching tracks comes once
        (Selection(tracks=("hygge",)), ["Læsekreds", "Strikkeklub", "Bogbussen i Vindinge"]),
        (
            Selection(tracks=("hygge", "fordybelse")),
            ["Læsekreds", "Strikkeklub", "Bogbussen i Vindinge"],
        ),
        # tracks_all: every one of them, more are fine
        (Selection(tracks_all=("hygge", "fordybelse")), ["Læsekreds", "Strikkeklub"]),
        (Selection(tracks_all=("hygge", "indgang-til-faellesskab")), ["Strikkeklub"]),
        (Selection(tracks_all=("hygge", "digitale-forbindelser")), []),
        (Selection(audiences=("alle",)), ["Bogbussen i Svogerslev", "Bogbussen i Vindinge"]),
        (Selection(audiences=("unge", "seniorer")), ["Lektiecafé", "Strikkeklub"]),
        (Selection(co_created=True), ["Lektiecafé", "Strikkeklub"]),
        (
            Selection(co_created=False),
            ["Læsekreds", "Bogbussen i Svogerslev", "Bogbussen i Vindinge"],
        ),
        # text: in the title or the description, either case
        (Selection(text="bogbussen"), ["Bogbussen i Svogerslev", "Bogbussen i Vindinge"]),
        (Selection(text="BLIXEN"), ["Læsekreds"]),
        # different criteria must all hold
        (Selection(branches=("jyllinge", "viby"), tracks=("hygge",)), ["Læsekreds", "Strikkeklub"]),
        (Selection(branches=("bogbussen",), audiences=("familier",)), ["Bogbussen i Vindinge"]),
        (Selection(tracks=("hygge",), co_created=True, text="strik"), ["Strikkeklub"]),
        (Selection(branches=("jyllinge",), stops=("vindinge",)), []),
    ],
)
def test_selection_matches_events_and_their_occurrences(catalogue, selection, expected):
    assert titles(selectors.event_list(selection=selection)) == expected
    assert event_titles(selectors.occurrence_list(selection=selection)) == expected
    everything = Event.objects.all()
    assert sorted(titles(selectors.event_filter(everything, selection=selection))) == sorted(
        expected
    )
    assert sorted(
        event_titles(selectors.occurrence_filter(Occurrence.objects.all(), selection=selection))
    ) == sorted(expected)


def test_selection_by_status(branch):
    make = factories.make_event
    make(branch=branch, title="Offentlig", start=local(2026, 9, 1, 10, 0))
    cancelled = make(branch=branch, title="Aflyst", start=local(2026, 9, 2, 10, 0))
    services.event_cancel(event=cancelled)
    make(branch=branch, title="Kladde", start=local(2026, 9, 3, 10, 0), status="draft")
    only_cancelled = Selection(statuses=(Event.Status.CANCELLED,))
    assert titles(selectors.event_list(selection=only_cancelled)) == ["Aflyst"]
    # a status selection never reveals drafts to someone who may not see them
    assert titles(selectors.event_list(selection=Selection(statuses=("draft",)))) == []


def test_selection_narrows_only_what_the_user_may_see(branch, staff_user):
    factories.make_event(branch=branch, title="Kladde", status=Event.Status.DRAFT)
    selection = Selection(branches=("jyllinge",))
    assert titles(selectors.event_list(selection=selection)) == []
    assert titles(selectors.event_list(user=staff_user, selection=selection)) == ["Kladde"]


def test_selection_validate_names_the_field_and_the_unknown_slugs(catalogue):
    selectors.selection_validate(
        Selection(
            branches=("jyllinge", "bogbussen"),
            stops=("vindinge",),
            tracks=("hygge",),
            tracks_all=("fordybelse",),
            audiences=("alle",),
        )
    )
    for selection, field_name, slugs in [
        (Selection(branches=("jyllinge", "odense", "aarhus")), "branch", ["aarhus", "odense"]),
        (Selection(stops=("vindinge", "nowhere")), "stop", ["nowhere"]),
        (Selection(tracks=("hygge", "gaming")), "track", ["gaming"]),
        (Selection(tracks_all=("quiet",)), "track_all", ["quiet"]),
        (Selection(audiences=("pets",)), "audience", ["pets"]),
    ]:
        with pytest.raises(UnknownSlug) as caught:
            selectors.selection_validate(selection)
        assert caught.value.field_name == field_name
        assert caught.value.slugs == slugs


# --- the Selection value ----------------------------------------------------------------------


def test_selection_key_ignores_order_and_tells_fields_apart():
    assert (
        Selection(branches=("viby", "jyllinge"), tracks=("hygge", "fordybelse")).key()
        == Selection(branches=("jyllinge", "viby"), tracks=("fordybelse", "hygge")).key()
    )
    keys = {
        Selection().key(),
        Selection(branches=("x",)).key(),
        Selection(stops=("x",)).key(),
        Selection(tracks=("x",)).key(),
        Selection(tracks_all=("x",)).key(),
        Selection(audiences=("x",)).key(),
        Selection(statuses=("x",)).key(),
        Selection(co_created=True).key(),
        Selection(co_created=False).key(),
        Selection(text="x").key(),
    }
    assert len(keys) == 10


def test_selection_is_a_value_its_extra_does_not_count():
    first = Selection(branches=("jyllinge",), extra={"format": "ics"})
    second = Selection(branches=("jyllinge",), extra={"format": "rss"})
    assert first == second
    assert hash(first) == hash(second)
    assert first != Selection(branches=("viby",))
    assert Selection() == Selection(extra={"anything": 1})


# --- dates -------------------------------------------------------------------------------------


def test_local_day_bounds_cover_whole_local_days_across_a_clock_change():
    start, end = selectors.local_day_bounds(date(2026, 3, 29), date(2026, 3, 29))
    assert start is not None
    assert end is not None
    assert start.isoformat() == "2026-03-29T00:00:00+01:00"
    assert end.isoformat() == "2026-03-30T00:00:00+02:00"
    # the spring-forward day is 23 hours long
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=23)
    assert selectors.local_day_bounds(None, None) == (None, None)
    open_start, open_end = selectors.local_day_bounds(None, date(2026, 10, 25))
    assert open_start is None
    assert open_end is not None
    assert open_end.isoformat() == "2026-10-26T00:00:00+01:00"


@pytest.fixture
def around_midnight(branch):
    """Occurrences on both sides of local midnight between 1 and 2 September 2026."""
    make = factories.make_event
    make(branch=branch, title="Sen aften", start=local(2026, 9, 1, 22, 0))
    make(branch=branch, title="Natlæsning", start=local(2026, 9, 1, 23, 30))
    make(branch=branch, title="Morgen", start=local(2026, 9, 2, 0, 30))
    make(branch=branch, title="Dagen efter", start=local(2026, 9, 3, 9, 0))


def test_a_window_of_local_days_holds_the_occurrences_that_overlap_it(around_midnight):
    start, end = selectors.local_day_bounds(date(2026, 9, 2), date(2026, 9, 2))
    # "Natlæsning" runs 23:30-01:30 and overlaps the 2nd; "Sen aften" ends at midnight
    assert event_titles(selectors.occurrence_list(start=start, end=end)) == [
        "Natlæsning",
        "Morgen",
    ]
    assert titles(selectors.event_filter(Event.objects.all(), start=start, end=end)) == [
        "Natlæsning",
        "Morgen",
    ]


def test_window_edges_are_half_open(branch):
    event = factories.make_event(
        branch=branch, title="Foredrag", start=local(2026, 9, 1, 19, 0), duration=timedelta(hours=1)
    )
    at_start, at_end = local(2026, 9, 1, 19, 0), local(2026, 9, 1, 20, 0)
    assert titles([o.event for o in selectors.occurrence_list(start=at_end)]) == []
    assert titles([o.event for o in selectors.occurrence_list(end=at_start)]) == []
    assert [o.event for o in selectors.occurrence_list(start=at_end - timedelta(minutes=1))] == [
        event
    ]
    assert [o.event for o in selectors.occurrence_list(end=at_start + timedelta(minutes=1))] == [
        event
    ]
    occurrences = Occurrence.objects.all()
    assert list(selectors.occurrence_filter(occurrences, start=at_end)) == []
    assert list(selectors.occurrence_filter(occurrences, end=at_start)) == []
    assert list(selectors.event_filter(Event.objects.all(), start=at_end)) == []
    assert list(selectors.event_filter(Event.objects.all(), end=at_start)) == []


def test_a_series_with_several_occurrences_in_a_window_is_one_event(branch):
    series = factories.make_event(
        branch=branch,
        title="Læsekreds",
        start=local(2026, 9, 1, 19, 0),
        rrule="FREQ=WEEKLY;COUNT=4",
    )
    start, end = selectors.local_day_bounds(date(2026, 9, 1), date(2026, 9, 30))
    assert list(selectors.event_filter(Event.objects.all(), start=start, end=end)) == [series]
    occurrences = selectors.occurrence_list(start=start, end=end)
    assert [o.start.astimezone(LOCAL_TZ).day for o in occurrences] == [1, 8, 15, 22]
    later = selectors.local_day_bounds(date(2026, 9, 10), date(2026, 9, 20))
    assert [o.start.day for o in selectors.occurrence_list(start=later[0], end=later[1])] == [15]


# --- cancelled occurrences ---------------------------------------------------------------------


@pytest.fixture
def cancellations(branch):
    """A series with one occurrence cancelled, a whole event cancelled and a plain one."""
    make = factories.make_event
    series = make(
        branch=branch, title="Serie", start=local(2026, 9, 1, 10, 0), rrule="FREQ=DAILY;COUNT=2"
    )
    first, _second = series.occurrences.order_by("start")
    services.occurrence_cancel(occurrence=first, reason="Sygdom")
    cancelled = make(branch=branch, title="Aflyst", start=local(2026, 9, 3, 10, 0))
    services.event_cancel(event=cancelled, reason="Flyttet")
    make(branch=branch, title="Planlagt", start=local(2026, 9, 4, 10, 0))


def _labels(occurrences) -> list[str]:
    return [f"{o.event.title} {o.start.astimezone(LOCAL_TZ):%d}" for o in occurrences]


def test_cancelled_is_the_occurrence_or_its_whole_event(cancellations):
    everything = ["Serie 01", "Serie 02", "Aflyst 03", "Planlagt 04"]
    assert _labels(selectors.occurrence_list()) == everything
    assert _labels(selectors.occurrence_list(include_cancelled=False)) == [
        "Serie 02",
        "Planlagt 04",
    ]
    occurrences = Occurrence.objects.order_by("start")
    assert _labels(selectors.occurrence_filter(occurrences, cancelled=True)) == [
        "Serie 01",
        "Aflyst 03",
    ]
    assert _labels(selectors.occurrence_filter(occurrences, cancelled=False)) == [
        "Serie 02",
        "Planlagt 04",
    ]
    assert _labels(selectors.occurrence_filter(occurrences, cancelled=None)) == everything


# --- ordering ----------------------------------------------------------------------------------


def test_lists_are_ordered_by_start_then_by_creation(branch, other_branch):
    make = factories.make_event
    make(branch=branch, title="Tredje", start=local(2026, 9, 3, 10, 0))
    make(branch=other_branch, title="Første", start=local(2026, 9, 1, 10, 0))
    make(branch=branch, title="Anden B", start=local(2026, 9, 2, 10, 0))
    make(branch=other_branch, title="Anden A", start=local(2026, 9, 2, 10, 0))  # made later
    expected = ["Første", "Anden B", "Anden A", "Tredje"]
    assert titles(selectors.event_list()) == expected
    assert event_titles(selectors.occurrence_list()) == expected


def test_occurrences_of_series_interleave_by_start(branch, other_branch):
    make = factories.make_event
    make(
        branch=branch, title="Tirsdag", start=local(2026, 9, 1, 19, 0), rrule="FREQ=WEEKLY;COUNT=2"
    )
    make(
        branch=other_branch,
        title="Onsdag",
        start=local(2026, 9, 2, 19, 0),
        rrule="FREQ=WEEKLY;COUNT=2",
    )
    assert _labels(selectors.occurrence_list()) == [
        "Tirsdag 01",
        "Onsdag 02",
        "Tirsdag 08",
        "Onsdag 09",
    ]
    # an event is listed once, at its first start
    assert titles(selectors.event_list()) == ["Tirsdag", "Onsdag"]
