"""Issue 18 in Chromium: a citizen proposes an activity from a branch page (by keyboard and
on a phone), gets a receipt by mail (a real SMTP server) with a private link, the branch's
librarian finds it in the queue and takes it in, publishes the draft event in the admin, the
citizen is mailed the event's link, the event is in the feeds, and the dashboard counts it as
co-created and proposal-born. axe (WCAG 2.1 A and AA) on the form (Danish and English, desktop
and phone), its error state, the queue and the proposal's page."""

from __future__ import annotations

import importlib
import re
import urllib.request
from datetime import timedelta

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "pw-for-the-browser-123"
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
EMAIL = "strik.og.snak@example.org"
TITLE = "Strik og snak for alle"


def violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=WCAG)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]


@pytest.fixture
def libraries(transactional_db, settings, smtp_server):
    from django.apps import apps

    from events.models import Room
    from tests import factories

    importlib.import_module("events.migrations.0002_seed_tracks_audiences_roles").seed(apps, None)
    settings.PROPOSAL_MIN_SECONDS = 1
    settings.SITE_URL = "http://testserver-site"
    branch = factories.BranchFactory(name="Jyllinge Bibliotek", slug="jyllinge")
    factories.BranchFactory(name="Viby Bibliotek", slug="viby")
    Room.objects.create(branch=branch, name="Mødelokalet")
    staff = factories.UserFactory(username="bibliotekar", branches=[branch])
    staff.is_staff = True
    staff.set_password(PASSWORD)
    staff.save()
    manager = factories.UserFactory(username="leder", groups=["management"])
    manager.set_password(PASSWORD)
    manager.save()
    from django.core.cache import cache

    cache.clear()
    return {"branch": branch, "smtp": smtp_server}


def _context(browser, live_server, *, phone=False, locale="da-DK"):
    options = {"base_url": live_server.url, "locale": locale}
    if phone:
        options.update(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    else:
        options.update(viewport={"width": 1280, "height": 900})
    context = browser.new_context(**options)
    context.set_default_timeout(15_000)
    return context


def _log_in(page, username: str) -> None:
    page.goto("/konto/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator(".login-form [type=submit]").click()
    page.wait_for_load_state()


def _propose_by_keyboard(page) -> None:
    """Fill the form with the keyboard only: Tab from field to field, Space on choices."""
    page.locator("#id_title").focus()
    page.keyboard.type(TITLE)
    page.keyboard.press("Tab")
    page.keyboard.type("Vi strikker og snakker; alle niveauer er velkomne.")
    page.keyboard.press("Tab")  # the first radio (a private person) has the focus
    page.keyboard.press("ArrowDown")  # an association
    page.keyboard.press("Tab")
    page.keyboard.type("Strikkeklubben Masken")
    page.keyboard.press("Tab")  # the branch, chosen already from the branch page
    page.keyboard.press("Tab")
    page.keyboard.type("Torsdage i januar")
    for label in ("Lad dette felt være tomt",):
        assert page.get_by_label(label).get_attribute("tabindex") == "-1"
    page.get_by_label("Voksne").check()
    page.get_by_label("Et lokale").check()
    page.locator("#id_email").focus()
    page.keyboard.type(EMAIL)
    page.keyboard.press("Tab")
    page.keyboard.type("+45 12 34 56 78")
    page.wait_for_timeout(1100)  # PROPOSAL_MIN_SECONDS
    page.keyboard.press("Enter")


def test_propose_take_in_publish_and_be_told(browser, live_server, libraries):
    from events.models import Event
    from proposals.models import Proposal

    smtp = libraries["smtp"]
    citizen = _context(browser, live_server, phone=True).new_page()
    citizen.goto("/biblioteker/jyllinge/")
    citizen.get_by_role("link", name="Foreslå et arrangement på Jyllinge Bibliotek").click()
    citizen.wait_for_url("**/foreslaa/?bibliotek=jyllinge")
    assert citizen.locator("#id_branch option:checked").inner_text() == "Jyllinge Bibliotek"
    assert violations(citizen) == []
    _propose_by_keyboard(citizen)
    citizen.wait_for_url("**/foreslaa/tak/")
    assert citizen.locator("h1").inner_text() == "Tak for dit forslag"

    # the receipt, with the private link
    [receipt] = smtp.to(EMAIL)
    link = re.search(r"http://testserver-site(/foreslaa/status/\S+/)", receipt.text).group(1)
    citizen.goto(link)
    assert "Venter på bibliotekets svar" in citizen.locator("main").inner_text()

    # the librarian's queue
    librarian = _context(browser, live_server).new_page()
    _log_in(librarian, "bibliotekar")
    librarian.get_by_role("link", name="Forslag", exact=True).click()
    librarian.get_by_role("link", name="Jyllinge Bibliotek").click()
    librarian.wait_for_url("**/personale/forslag/jyllinge/")
    assert EMAIL in librarian.locator("main").inner_text()
    assert violations(librarian) == []
    librarian.get_by_role("link", name=TITLE).click()
    assert violations(librarian) == []

    # take it in: tracks and a time (yesterday, so that it is held)
    from django.utils import timezone

    day = timezone.localdate() - timedelta(days=1)
    take_in = librarian.locator("section[aria-labelledby='take-in-title']")
    take_in.get_by_label("En lokal aktør").check()
    take_in.get_by_label("Hygge", exact=True).check()
    librarian.locator("#id_take-start").fill(f"{day:%Y-%m-%d}T10:00")
    librarian.locator("#id_take-end").fill(f"{day:%Y-%m-%d}T12:00")
    librarian.get_by_role("button", name="Tag ind som udkast til arrangement").click()
    librarian.wait_for_url("**/admin/events/event/*/change/")
    event = Event.objects.get()
    assert (event.status, event.co_created) == ("draft", True)
    assert [p.name for p in event.partners.all()] == ["Strikkeklubben Masken"]
    assert smtp.to(EMAIL) == [receipt]  # not told before it is published

    # room and publish, in the admin as usual
    librarian.locator("select[name='room']").select_option(label="Mødelokalet (Jyllinge Bibliotek)")
    librarian.locator("select[name='status']").select_option("published")
    librarian.locator("input[name='_save']").click()
    librarian.wait_for_url("**/admin/events/event/")
    event.refresh_from_db()
    assert event.status == "published"

    # the outcome mail, with the event's page
    outcome = smtp.to(EMAIL)[-1]
    assert f"http://testserver-site/arrangementer/{event.pk}/" in outcome.text
    citizen.goto(f"/arrangementer/{event.pk}/")
    assert citizen.locator("h1#event-title").inner_text() == TITLE
    citizen.goto(link)
    assert "Taget ind: det er i kalenderen" in citizen.locator("main").inner_text()

    # the event in the feeds
    with urllib.request.urlopen(f"{live_server.url}/feeds/branch/jyllinge.ics") as response:
        feed = response.read().decode()
    assert event.uid in feed
    assert EMAIL not in feed

    # the dashboard counts it as co-created and proposal-born
    manager = _context(browser, live_server).new_page()
    _log_in(manager, "leder")
    manager.goto("/ledelse/")
    block = manager.locator("section.dash-proposals")
    assert "1 af 1" in block.locator("[data-figure='from-proposal']").inner_text()
    assert "1 af 1" in block.locator("[data-figure='co-created']").inner_text()
    assert block.locator("[data-total='taken_in']").inner_text() == "1"
    assert Proposal.objects.get().status == "taken_in"


@pytest.mark.parametrize(
    ("locale", "phone"),
    [("da-DK", False), ("da-DK", True), ("en-GB", False), ("en-GB", True)],
)
def test_the_form_and_its_refusal_pass_axe(browser, live_server, libraries, locale, phone):
    page = _context(browser, live_server, phone=phone, locale=locale).new_page()
    page.goto("/foreslaa/")
    if locale.startswith("en"):
        page.get_by_role("button", name="English").click()
        page.wait_for_function("document.documentElement.lang === 'en'")
        assert page.locator("h1").inner_text() == "Propose an event"
    assert violations(page) == []
    # sent at once (too fast) and incomplete: a clear message, what was typed is kept
    page.locator("#id_title").fill(TITLE)
    page.locator("#id_email").fill("not-an-address")
    page.locator(".proposal-form [type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".problems[role=alert]").count() == 1
    assert page.locator("#id_title").input_value() == TITLE
    assert page.locator("#id_email").input_value() == "not-an-address"
    assert violations(page) == []


def test_decline_with_a_reason_and_pass_on_by_keyboard(browser, live_server, libraries):
    """The librarian passes one proposal to Viby with a note, and declines another with a
    reason (first forgetting the reason: a clear message, axe-clean); the proposer of the
    declined one is mailed the reason."""
    from proposals.models import Proposal
    from tests.proposals.util import make_proposal

    branch = libraries["branch"]
    passed = make_proposal(branch, title="Fortællinger fra fjorden")
    declined = make_proposal(branch, title="Salg af smykker", email="smykker@example.org")
    librarian = _context(browser, live_server).new_page()
    _log_in(librarian, "bibliotekar")

    librarian.goto(f"/personale/forslag/sag/{passed.pk}/")
    librarian.locator("#id_pass-branch").select_option(label="Viby Bibliotek")
    librarian.locator("#id_pass-note").focus()
    librarian.keyboard.type("Passer bedre i Viby.")
    librarian.get_by_role("button", name="Send videre").click()
    librarian.wait_for_url("**/personale/forslag/jyllinge/")
    assert "Forslaget er sendt videre til Viby Bibliotek." in librarian.locator("main").inner_text()
    passed.refresh_from_db()
    assert (passed.branch.slug, passed.pass_note) == ("viby", "Passer bedre i Viby.")

    librarian.goto(f"/personale/forslag/sag/{declined.pk}/")
    librarian.get_by_role("button", name="Afvis", exact=True).click()
    librarian.wait_for_load_state()
    assert librarian.locator(".problems[role=alert]").count() == 1
    assert violations(librarian) == []
    librarian.locator("#id_decline-reason").focus()
    librarian.keyboard.type("Vi lægger ikke lokaler til salg.")
    librarian.get_by_role("button", name="Afvis", exact=True).focus()
    librarian.keyboard.press("Enter")
    librarian.wait_for_url("**/personale/forslag/jyllinge/")
    assert Proposal.objects.get(pk=declined.pk).status == "declined"
    [mail] = libraries["smtp"].to("smykker@example.org")[-1:]
    assert "Vi lægger ikke lokaler til salg." in mail.text
