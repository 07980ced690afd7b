"""Taking the calendar along (issue 17): the embed (script data and iframe page), the branch
screens and the printed programme, through their HTTP surface."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone

from events import services
from events.models import Event
from tests.conftest import require
from tests.factories import BranchFactory, local, make_event, track
from tests.pages.conftest import soon

pytestmark = pytest.mark.django_db


@pytest.fixture
def viby(db):
    branch = BranchFactory(slug="viby", name="Viby Bibliotek")
    other = BranchFactory(slug="jyllinge", name="Jyllinge Bibliotek")
    events = {
        "lego": make_event(branch=branch, title="Lego-klub", start=soon(1, 16)),
        "skak": make_event(
            branch=branch, title="Skakklub", start=soon(2, 19), tracks=[track("fordybelse")]
        ),
        "draft": make_event(
            branch=branch, title="Hemmeligt udkast", start=soon(1, 10), status=Event.Status.DRAFT
        ),
        "elsewhere": make_event(branch=other, title="Strikkecafé", start=soon(1, 14)),
    }
    return branch, events


# --- embed: data for the script -----------------------------------------------------------


def test_embed_data_is_public_json_any_origin_may_read_without_cookies(client, viby):
    response = client.get("/indlejr/data.json?branch=viby&count=5", HTTP_ORIGIN="https://x.dk")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Access-Control-Allow-Methods"] == "GET"
    assert "Access-Control-Allow-Credentials" not in response
    assert not response.cookies  # nothing set: no session, no language, no tracking
    data = response.json()
    assert [e["title"] for e in data["events"]] == ["Lego-klub", "Skakklub"]  # no draft
    assert data["events"][0]["url"].endswith(viby[1]["lego"].get_absolute_url())
    assert data["calendar_url"].endswith("/?branch=viby")


def test_embed_data_filters_and_counts_like_the_calendar(client, viby):
    data = client.get("/indlejr/data.json?track=fordybelse").json()
    assert [e["title"] for e in data["events"]] == ["Skakklub"]
    data = client.get("/indlejr/data.json?count=1").json()
    assert len(data["events"]) == 1


def test_embed_data_shows_a_cancelled_date_as_cancelled(client, viby):
    occurrence = viby[1]["lego"].occurrences.get()
    services.occurrence_cancel(occurrence=occurrence, reason="Sygdom")
    data = client.get("/indlejr/data.json?branch=viby").json()
    assert data["events"][0]["cancelled"] is True


def test_embed_data_in_english_writes_unambiguous_dates(client, viby):
    data = client.get("/indlejr/data.json?branch=viby&lang=en").json()
    start = viby[1]["lego"].start.astimezone(local(2026, 1, 1).tzinfo)
    assert data["events"][0]["date"] == start.strftime("%a ") + f"{start.day} {start:%b}"
    assert data["events"][0]["time"] == "16.00\u201318.00"
    da = client.get("/indlejr/data.json?branch=viby").json()["events"][0]["date"]
    assert re.fullmatch(rf"[a-zæøå]{{3}} {start.day}\. [a-zæøå]{{3}}", da), da  # "tor 3. dec"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("branch=nowhere", "branch"),
        ("count=0", "count"),
        ("count=500", "count"),
        ("count=x", "count"),
        ("lang=fr", "lang"),
        ("colour=red", "colour"),
    ],
)
def test_embed_data_refuses_bad_options_naming_them(client, viby, query, field):
    response = client.get(f"/indlejr/data.json?{query}")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert response["Access-Control-Allow-Origin"] == "*"  # the host page can show why


def test_embed_data_takes_get_only(client, viby):
    assert client.post("/indlejr/data.json").status_code == 405
    assert client.put("/indlejr/data.json").status_code == 405


def test_embed_script_is_served_at_a_fixed_address(client):
    response = client.get("/embed.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert b'customElements.define("roskilde-calendar"' in response.content
    assert b'credentials: "omit"' in response.content


# --- embed: the iframe page ---------------------------------------------------------------


def test_only_the_embed_page_may_be_framed_and_only_by_the_setting(client, viby, settings):
    settings.EMBED_FRAME_ANCESTORS = ["https://www.roskilde.dk", "https://*.skoler.dk"]
    response = client.get("/indlejr/?branch=viby")
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert (
        "frame-ancestors https://www.roskilde.dk https://*.skoler.dk"
        in response["Content-Security-Policy"]
    )
    html = response.content.decode()
    assert "Lego-klub" in html
    assert "Hemmeligt udkast" not in html
    assert '<base target="_top">' in html
    assert not response.cookies
    for other in ("/", "/biblioteker/viby/", "/skaerm/viby/", "/program/", "/indlejr/data.json"):
        answer = client.get(other)
        assert answer["X-Frame-Options"] == "DENY", other
        assert "frame-ancestors 'none'" in answer["Content-Security-Policy"], other


def test_without_the_setting_nobody_may_frame_the_embed_page(client, viby, settings):
    settings.EMBED_FRAME_ANCESTORS = []
    response = client.get("/indlejr/?branch=viby")
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_the_embed_page_says_what_is_wrong_with_its_address(client, viby):
    response = client.get("/indlejr/?branch=nowhere")
    assert response.status_code == 400
    assert "nowhere" in response.content.decode()


# --- the branch screen --------------------------------------------------------------------


@pytest.fixture
def today_at_viby(viby):
    branch, events = viby
    now = timezone.now()
    later_today = now + timedelta(minutes=30)
    events["now"] = make_event(branch=branch, title="Formiddagshygge", start=later_today)
    cancelled = make_event(branch=branch, title="Foredrag om fugle", start=soon(3, 19))
    services.occurrence_cancel(occurrence=cancelled.occurrences.get(), reason="Sygdom")
    return branch, events


def test_the_screen_shows_today_and_next_with_cancellations_and_no_drafts(client, today_at_viby):
    html = client.get("/skaerm/viby/").content.decode()
    assert '<html lang="da">' in html
    today_part, _sep, next_part = html.partition('id="next-title"')
    if timezone.localtime().date() == (timezone.localtime() + timedelta(minutes=30)).date():
        assert "Formiddagshygge" in today_part
    assert "Lego-klub" in next_part
    assert "Skakklub" in next_part
    assert "Foredrag om fugle" in next_part
    assert "Sygdom" in next_part  # the reason is shown with the cancellation
    assert "Hemmeligt udkast" not in html  # never drafts
    assert "Strikkecafé" not in html  # another branch


def test_the_screen_answers_304_until_what_it_shows_changes(client, today_at_viby):
    first = client.get("/skaerm/viby/")
    etag = first["ETag"]
    assert f'data-version="{etag.strip(chr(34))}"' in first.content.decode()
    assert client.get("/skaerm/viby/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    make_event(branch=today_at_viby[0], title="Nyt arrangement", start=soon(4, 10))
    changed = client.get("/skaerm/viby/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert "Nyt arrangement" in changed.content.decode()
    assert changed["ETag"] != etag


def test_the_screen_in_english(client, today_at_viby):
    html = client.get("/skaerm/viby/?lang=en").content.decode()
    assert '<html lang="en">' in html
    assert "Coming up" in html
    assert 'lang="da"' in html  # the events' Danish text is marked as Danish
    assert client.get("/skaerm/nowhere/").status_code == 404


# --- the printed programme ----------------------------------------------------------------


@pytest.fixture
def december(db):
    branch = BranchFactory(slug="gadstrup", name="Gadstrup Bibliotek")
    made = [
        make_event(branch=branch, title="Julehygge", start=local(2026, 12, 3, 14, 0)),
        make_event(branch=branch, title="Juleklip", start=local(2026, 12, 1, 15, 0)),
        make_event(branch=branch, title="Nytårskur", start=local(2026, 12, 30, 17, 0)),
        make_event(
            branch=branch,
            title="Læsekreds",
            start=local(2026, 11, 26, 19, 0),
            rrule="FREQ=WEEKLY;COUNT=3",
        ),  # 26/11 (November), 3/12 and 10/12
        make_event(branch=branch, title="Januarting", start=local(2027, 1, 4, 10, 0)),
    ]
    services.occurrence_cancel(occurrence=made[2].occurrences.get(), reason="")
    make_event(branch=BranchFactory(slug="viby"), title="Andet sted", start=local(2026, 12, 2, 9))
    return branch


EXPECTED = [
    ("Uge 49", ["Juleklip", "Julehygge", "Læsekreds"]),
    ("Uge 50", ["Læsekreds"]),
    ("Uge 53", ["Nytårskur"]),
]


def _in_order(text: str, needles: list[str]) -> bool:
    position = -1
    for needle in needles:
        position = text.find(needle, position + 1)
        if position < 0:
            return False
    return True


def test_the_programme_page_groups_the_month_by_week(client, december):
    response = client.get("/program/?branch=gadstrup&month=2026-12")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Program december 2026" in html
    assert _in_order(html, [n for week, titles in EXPECTED for n in (week, *titles)])
    assert "Januarting" not in html
    assert "Andet sted" not in html
    assert html.count("Læsekreds") == 2  # November's date is in November's programme
    assert "(aflyst)" in html  # the cancelled Nytårskur


def test_the_programme_refuses_a_bad_month_with_a_message(client, december):
    response = client.get("/program/?branch=gadstrup&month=2026-13")
    assert response.status_code == 400
    assert "YYYY-MM" in response.content.decode()


@pytest.mark.slow
def test_the_programme_pdf_reads_back_weeks_and_events_in_order(client, december, tmp_path):
    require(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils) is not installed")
    response = client.get("/program/pdf/?branch=gadstrup&month=2026-12")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "program.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "Program december 2026" in text
    assert _in_order(text, [n for week, titles in EXPECTED for n in (week, *titles)]), text
    assert "Januarting" not in text
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    assert "Program december 2026" in fields["Title"]
    assert fields["Author"].strip() == "Roskilde Bibliotekerne"
    assert fields["Tagged"].strip() == "yes"
    assert fields["Page size"].strip().startswith("595.")  # A4: 595 x 842 pt
    objects = _pdf_objects(response.content)
    assert b"/Lang (da)" in objects  # the document's language
    for tag in (b"/H1", b"/H2", b"/H3", b"/L", b"/LI"):  # tagged structure for screen readers
        assert b"/S " + tag in objects or b"/S" + tag in objects, tag


def _pdf_objects(pdf: bytes) -> bytes:
    """The PDF with its compressed streams (object streams included) inflated."""
    import re
    import zlib

    parts = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(stream))
        except zlib.error:
            continue
    return b"\n".join(parts)


def test_the_branch_page_links_the_programme_screen_and_embed(client, viby):
    html = client.get("/biblioteker/viby/").content.decode()
    for href in ("/program/?branch=viby", "/skaerm/viby/", "/indlejr/?branch=viby"):
        assert f'href="{href}"' in html
