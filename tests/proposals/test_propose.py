"""The public form: a normal proposal is accepted and receipted by mail (a real SMTP server);
each spam guard refuses its case with a clear message and keeps what was typed."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client
from django.urls import reverse

from proposals import guards
from proposals.models import Proposal
from tests.proposals.util import DISTINCT, form_data

pytestmark = pytest.mark.django_db
URL = "/foreslaa/"


@pytest.fixture(autouse=True)
def _fresh_rate_limit(settings):
    from django.core.cache import cache

    cache.clear()
    settings.PROPOSAL_MIN_SECONDS = 5


def test_the_form_is_public_in_danish_and_english(branch):
    client = Client()
    danish = client.get(URL)
    assert danish.status_code == 200
    assert "Foreslå et arrangement" in danish.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": URL})
    english = client.get(URL).content.decode()
    assert "Propose an event" in english
    assert 'href="https://roskildebib.dk/persondatapolitik"' in english
    assert "90 days" in english


def test_the_branch_page_links_to_the_form_with_its_branch(branch):
    page = Client().get(f"/biblioteker/{branch.slug}/").content.decode()
    assert f"/foreslaa/?bibliotek={branch.slug}" in page
    form = Client().get(f"/foreslaa/?bibliotek={branch.slug}").content.decode()
    assert re.search(rf'<option value="{branch.pk}" selected>', form)
    assert 'href="/foreslaa/"' in Client().get("/").content.decode()


def test_a_normal_proposal_is_accepted_and_receipted(
    branch, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(URL, form_data(branch))

    assert response.status_code == 302
    assert response["Location"] == reverse("proposals:thanks")
    proposal = Proposal.objects.get()
    assert (proposal.title, proposal.email, proposal.branch) == (
        DISTINCT["title"],
        DISTINCT["email"],
        branch,
    )
    assert proposal.status == Proposal.Status.NEW
    [mail] = smtp_server.messages
    assert mail.envelope_to == [DISTINCT["email"]]
    assert DISTINCT["title"] in mail.message["Subject"]
    link = re.search(r"http://\S+/foreslaa/status/\S+/", mail.text).group(0)
    assert link in mail.html
    proposal.refresh_from_db()
    assert proposal.receipt_sent_at is not None

    page = Client().get(link.replace("http://127.0.0.1:8000", ""))
    assert page.status_code == 200
    text = page.content.decode()
    assert DISTINCT["title"] in text
    assert DISTINCT["email"] not in text
    assert 'content="noindex, nofollow"' in text


def test_a_forged_follow_link_is_not_found(branch):
    Client().post(URL, form_data(branch))
    pk = Proposal.objects.get().pk
    assert Client().get(f"/foreslaa/status/{pk}/").status_code == 404
    assert Client().get(f"/foreslaa/status/{pk}:forged/").status_code == 404


def _refused(response, status=400):
    assert response.status_code == status
    assert Proposal.objects.count() == 0
    text = response.content.decode()
    assert 'role="alert"' in text
    # everything typed is kept
    for key in ("title", "name", "email", "phone", "preferred_dates"):
        assert DISTINCT[key].replace("+", "+") in text.replace("&#x27;", "'"), key
    assert DISTINCT["description"] in text
    return text


def test_the_honeypot_refuses(branch):
    text = _refused(Client().post(URL, form_data(branch, homepage="http://spam.example")))
    assert "must be empty" in text or "skal være tomt" in text


def test_a_submission_faster_than_the_minimum_time_is_refused(branch):
    data = form_data(branch, shown=guards.form_stamp(time.time() - 1))
    text = _refused(Client().post(URL, data))
    assert "hurtigt" in text or "very fast" in text


@pytest.mark.parametrize("stamp", ["", "12345", "1700000000.0:forged"])
def test_a_missing_or_forged_time_stamp_is_refused(branch, stamp):
    _refused(Client().post(URL, form_data(branch, shown=stamp)))


def test_too_many_links_are_refused(branch, settings):
    settings.PROPOSAL_MAX_LINKS = 2
    spam = DISTINCT["description"] + " http://a.example https://b.example www.c.example"
    response = Client().post(URL, form_data(branch, description=spam))
    assert response.status_code == 400
    assert Proposal.objects.count() == 0
    assert "3" in response.content.decode()
    # two are fine
    ok = DISTINCT["description"] + " https://a.example www.b.example"
    assert Client().post(URL, form_data(branch, description=ok)).status_code == 302


def test_too_long_texts_are_refused(branch):
    response = Client().post(URL, form_data(branch, title="x" * 201))
    assert response.status_code == 400
    assert Proposal.objects.count() == 0
    response = Client().post(URL, form_data(branch, description="y" * 3001))
    assert response.status_code == 400
    assert "y" * 3001 in response.content.decode()  # kept, to shorten


def test_dates_or_flexible_is_required(branch):
    response = Client().post(URL, form_data(branch, preferred_dates=""))
    assert response.status_code == 400
    assert (
        Client().post(URL, form_data(branch, preferred_dates="", flexible="on")).status_code == 302
    )


def test_the_rate_limit_counts_per_client_address_behind_the_proxy(branch, settings):
    """Behind one proxy the client is the address it appended to X-Forwarded-For; what the
    client wrote itself further left does not let it dodge the limit."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.PROPOSAL_RATE = "2/h"
    proxy = {"REMOTE_ADDR": "10.0.0.2"}

    def post(forwarded, **extra):
        return Client().post(
            URL, form_data(branch, title=DISTINCT["title"]), HTTP_X_FORWARDED_FOR=forwarded, **proxy
        )

    assert post("203.0.113.7").status_code == 302
    assert post("198.51.100.1, 203.0.113.7").status_code == 302  # a forged left entry
    refused = post("198.51.100.2, 203.0.113.7")
    assert refused.status_code == 429
    assert DISTINCT["description"] in refused.content.decode()
    assert Proposal.objects.count() == 2
    # another client behind the same proxy is not limited
    assert post("203.0.113.8").status_code == 302


def test_refused_forms_that_fail_validation_do_not_count_against_the_limit(branch, settings):
    settings.PROPOSAL_RATE = "1/h"
    for _ in range(3):
        assert Client().post(URL, form_data(branch, email="not-an-email")).status_code == 400
    assert Client().post(URL, form_data(branch)).status_code == 302
    assert Client().post(URL, form_data(branch)).status_code == 429


def test_an_expired_form_gets_a_new_stamp_and_can_be_sent_again(branch, settings):
    settings.PROPOSAL_MIN_SECONDS = 0
    expired = guards.form_stamp(time.time() - guards.STAMP_MAX_AGE - 60)
    refused = Client().post(URL, form_data(branch, shown=expired))
    assert refused.status_code == 400
    stamp = re.search(r'name="shown" value="([^"]+)"', refused.content.decode()).group(1)
    assert stamp != expired
    assert Client().post(URL, form_data(branch, shown=stamp)).status_code == 302
