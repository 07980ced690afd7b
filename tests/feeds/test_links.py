"""calendar_links: stable, readable subscription URLs."""

from urllib.parse import parse_qs, unquote, urlsplit

from django.test import RequestFactory, override_settings

from feeds.links import calendar_links, event_links


@override_settings(SITE_URL="http://bibliotekerne.roskilde.dk")
def test_all_branches_links_are_https_webcal_and_google():
    links = calendar_links()
    assert links["ics"] == "https://bibliotekerne.roskilde.dk/feeds/calendar.ics"
    assert links["webcal"] == "webcal://bibliotekerne.roskilde.dk/feeds/calendar.ics"
    assert links["rss"] == "https://bibliotekerne.roskilde.dk/feeds/calendar.rss"
    assert links["atom"] == "https://bibliotekerne.roskilde.dk/feeds/calendar.atom"
    google = urlsplit(links["google"])
    assert (google.scheme, google.netloc) == ("https", "calendar.google.com")
    assert google.path == "/calendar/render"
    assert parse_qs(google.query)["cid"] == [links["webcal"]]


@override_settings(SITE_URL="https://bibliotekerne.roskilde.dk")
def test_single_branch_stop_track_have_paths():
    assert calendar_links(branches=["jyllinge"])["ics"].endswith("/feeds/branch/jyllinge.ics")
    assert calendar_links(stops=["svogerslev"])["rss"].endswith("/feeds/stop/svogerslev.rss")
    assert calendar_links(tracks=["hygge"])["atom"].endswith("/feeds/track/hygge.atom")


@override_settings(SITE_URL="https://bibliotekerne.roskilde.dk")
def test_mixed_selection_is_one_canonical_query():
    a = calendar_links(
        branches=["viby", "jyllinge", "viby"], tracks=["hygge", "fordybelse"], audiences=["boern"]
    )
    b = calendar_links(
        audiences=("boern",), tracks=("fordybelse", "hygge"), branches=("jyllinge", "viby")
    )
    assert a == b
    assert unquote(a["ics"]) == (
        "https://bibliotekerne.roskilde.dk/feeds/calendar.ics"
        "?branch=jyllinge,viby&track=fordybelse,hygge&audience=boern"
    )
    # One audience alone has no path of its own.
    assert calendar_links(audiences=["boern"])["ics"].endswith("/feeds/calendar.ics?audience=boern")


@override_settings(ALLOWED_HOSTS=["kalender.example.dk", "127.0.0.1"])
def test_links_follow_the_request_host_and_keep_loopback_http():
    request = RequestFactory().get("/", HTTP_HOST="kalender.example.dk")
    ics = calendar_links(branches=["viby"], request=request)["ics"]
    assert ics == "https://kalender.example.dk/feeds/branch/viby.ics"
    local = RequestFactory().get("/", HTTP_HOST="127.0.0.1:8000")
    assert calendar_links(request=local)["ics"] == "http://127.0.0.1:8000/feeds/calendar.ics"


@override_settings(SITE_URL="https://bibliotekerne.roskilde.dk")
def test_event_links():
    class E:
        pk = 42

    links = event_links(event=E())
    assert links["ics"] == "https://bibliotekerne.roskilde.dk/feeds/event/42.ics"
    assert links["webcal"] == "webcal://bibliotekerne.roskilde.dk/feeds/event/42.ics"
