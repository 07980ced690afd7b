"""Failed logins are limited per username and client address (django-axes), behind the proxy too.

Every password login goes through it: /konto/login/ (pages), /admin/login/ and the browsable
API's /api/auth/login/. The reverse proxy in front connects from 127.0.0.1 and appends the
client's address to X-Forwarded-For; ``TRUSTED_PROXY_COUNT`` says how many such proxies to trust.
"""

from __future__ import annotations

import json
import socket
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.db.models import F
from django.test import Client, RequestFactory

from calendar_service.middleware_limits import client_address

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-123"
PROXY = "127.0.0.1"
ATTACKER = "203.0.113.9"
STAFF_HOME = "198.51.100.7"
LOCKED_DA = "For mange mislykkede loginforsøg for dette brugernavn fra din netværksadresse"
LOCKED_EN = "Too many failed login attempts for this username from your network address"
LOGIN_PATHS = ["/konto/login/", "/admin/login/?next=/admin/", "/api/auth/login/"]


def _login(client, path, username, password, *, forwarded_for=None, remote=PROXY, lang="da"):
    # the language switch's cookie (pages and the admin do not read Accept-Language)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = lang
    headers = {"REMOTE_ADDR": remote, "HTTP_ACCEPT_LANGUAGE": lang}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client.post(path, {"username": username, "password": password}, **headers)


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


def test_failures_from_one_client_behind_the_proxy_do_not_lock_out_the_staff(
    behind_one_proxy, admin_user, staff_user, management_user
):
    attacker = Client()
    names = [staff_user.username, management_user.username, "admin", "root", "bibliotek"]
    for attempt in range(25):
        _login(
            attacker, "/konto/login/", names[attempt % len(names)], "guess", forwarded_for=ATTACKER
        )

    for user, path in [
        (staff_user, "/konto/login/"),
        (management_user, "/konto/login/"),
        (admin_user, "/admin/login/?next=/admin/"),
        (staff_user, "/api/auth/login/"),
    ]:
        client = Client()
        response = _login(client, path, user.username, PASSWORD, forwarded_for=STAFF_HOME)
        assert response.status_code == 302, (user.username, path, response.status_code)
        assert _logged_in(client)


@pytest.mark.parametrize("path", LOGIN_PATHS)
def test_five_failures_lock_that_user_at_that_address_and_say_so(
    behind_one_proxy, staff_user, path
):
    staff_user.is_staff = True  # the admin's login takes staff members only
    staff_user.save()
    attacker = Client()
    for _ in range(4):
        response = _login(attacker, path, staff_user.username, "guess", forwarded_for=ATTACKER)
        assert response.status_code == 200  # the form again, with "did not match"
        assert LOCKED_DA not in response.content.decode()
    fifth = _login(attacker, path, staff_user.username, "guess", forwarded_for=ATTACKER)
    assert fifth.status_code == 429
    assert LOCKED_DA in fifth.content.decode()

    # the right password from the locked address is refused, with the message on the form
    locked = Client()
    response = _login(locked, path, staff_user.username, PASSWORD, forwarded_for=ATTACKER)
    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert LOCKED_DA in page
    assert "15 minutter" in page
    assert 'name="password"' in page  # the login form, not a bare error page
    assert not _logged_in(locked)
    english = _login(
        Client(), path, staff_user.username, PASSWORD, forwarded_for=ATTACKER, lang="en"
    )
    assert english.status_code == 429
    assert LOCKED_EN in english.content.decode()
    assert "15 minutes" in english.content.decode()

    # the same user from another address logs in
    elsewhere = Client()
    response = _login(elsewhere, path, staff_user.username, PASSWORD, forwarded_for=STAFF_HOME)
    assert response.status_code == 302
    assert _logged_in(elsewhere)


def test_another_user_at_the_locked_address_logs_in(behind_one_proxy, staff_user, management_user):
    client = Client()
    for _ in range(6):
        _login(client, "/konto/login/", staff_user.username, "guess", forwarded_for=ATTACKER)
    response = _login(
        client, "/konto/login/", management_user.username, PASSWORD, forwarded_for=ATTACKER
    )
    assert response.status_code == 302
    assert _logged_in(client)


def _age_the_failures(minutes: int) -> None:
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=minutes))


def test_the_lockout_ends_after_the_cool_off_and_tries_while_locked_do_not_extend_it(staff_user):
    client = Client()
    for _ in range(5):
        _login(client, "/konto/login/", staff_user.username, "guess")
    _age_the_failures(10)
    # locked out for 15 minutes after the last counted failure; tries meanwhile are not counted
    for _ in range(3):
        response = _login(client, "/konto/login/", staff_user.username, "guess")
        assert response.status_code == 429
    response = _login(client, "/konto/login/", staff_user.username, PASSWORD)
    assert response.status_code == 429
    assert not _logged_in(client)

    _age_the_failures(6)  # 16 minutes since the failures
    response = _login(client, "/konto/login/", staff_user.username, PASSWORD)
    assert response.status_code == 302
    assert _logged_in(client)


def test_a_successful_login_before_the_limit_clears_the_count(staff_user):
    client = Client()
    for _ in range(4):
        _login(client, "/konto/login/", staff_user.username, "guess")
    assert _login(client, "/konto/login/", staff_user.username, PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        _login(client, "/konto/login/", staff_user.username, "guess")
    assert _login(client, "/konto/login/", staff_user.username, PASSWORD).status_code == 302


def test_without_a_trusted_proxy_a_spoofed_forwarded_for_is_ignored(settings, staff_user):
    settings.TRUSTED_PROXY_COUNT = 0
    attacker = "192.0.2.66"
    # rotating a made-up X-Forwarded-For does not get around the lock
    for number in range(5):
        _login(
            Client(),
            "/konto/login/",
            staff_user.username,
            "guess",
            remote=attacker,
            forwarded_for=f"198.51.100.{number + 20}",
        )
    response = _login(
        Client(),
        "/konto/login/",
        staff_user.username,
        PASSWORD,
        remote=attacker,
        forwarded_for="198.51.100.99",
    )
    assert response.status_code == 429
    # and naming the victim's address in it does not lock the victim out
    for _ in range(5):
        _login(
            Client(),
            "/konto/login/",
            staff_user.username,
            "guess",
            remote=attacker,
            forwarded_for=STAFF_HOME,
        )
    victim = Client()
    assert (
        _login(
            victim, "/konto/login/", staff_user.username, PASSWORD, remote=STAFF_HOME
        ).status_code
        == 302
    )
    assert _logged_in(victim)


def test_behind_the_proxy_what_the_client_wrote_into_forwarded_for_is_ignored(
    behind_one_proxy, staff_user
):
    # the proxy appends the real address; the left part is the client's own invention
    for number in range(5):
        _login(
            Client(),
            "/konto/login/",
            staff_user.username,
            "guess",
            forwarded_for=f"198.51.100.{number + 20}, {ATTACKER}",
        )
    spoofing = Client()
    response = _login(
        spoofing,
        "/konto/login/",
        staff_user.username,
        PASSWORD,
        forwarded_for=f"{STAFF_HOME}, {ATTACKER}",
    )
    assert response.status_code == 429
    victim = Client()
    response = _login(
        victim, "/konto/login/", staff_user.username, PASSWORD, forwarded_for=STAFF_HOME
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded_for", "expected"),
    [
        (0, "192.0.2.1", None, "192.0.2.1"),
        (0, "192.0.2.1", "203.0.113.9", "192.0.2.1"),
        (0, "192.0.2.1", "203.0.113.9, 198.51.100.7", "192.0.2.1"),
        (1, "127.0.0.1", "203.0.113.9", "203.0.113.9"),
        (1, "127.0.0.1", "198.51.100.7, 203.0.113.9", "203.0.113.9"),
        (1, "127.0.0.1", "not-an-address, 203.0.113.9", "203.0.113.9"),
        (1, "127.0.0.1", "10.1.2.3", "10.1.2.3"),  # a client inside the municipal network
        (1, "127.0.0.1", None, "127.0.0.1"),  # straight to the app, past the proxy
        (2, "127.0.0.1", "198.51.100.7, 203.0.113.9, 192.0.2.50", "203.0.113.9"),
        (2, "127.0.0.1", "203.0.113.9, 192.0.2.50", "203.0.113.9"),
    ],
)
def test_the_client_address_is_the_one_the_trusted_proxies_report(
    settings, proxies, remote, forwarded_for, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    headers = {"REMOTE_ADDR": remote}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    assert client_address(RequestFactory().post("/konto/login/", **headers)) == expected


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_logins_are_counted_and_refused_without_the_cache(settings, staff_user, management_user):
    """The failures are kept in the database: with the cache (Redis) unreachable, login works
    and the limit holds."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    client = Client()
    for _ in range(5):
        _login(client, "/konto/login/", staff_user.username, "guess")
    assert _login(client, "/konto/login/", staff_user.username, PASSWORD).status_code == 429
    assert AccessAttempt.objects.get(username=staff_user.username).failures_since_start == 5
    assert _login(client, "/konto/login/", management_user.username, PASSWORD).status_code == 302


def test_a_client_that_does_not_get_html_gets_the_message_as_json(staff_user):
    from django.http import JsonResponse
    from django.utils import translation

    from calendar_service.middleware_limits import lockout_response

    request = RequestFactory().post("/api/auth/login/")
    with translation.override("en"):
        response = lockout_response(request, JsonResponse({"detail": "x"}, status=400), None)
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert LOCKED_EN in json.loads(response.content)["detail"]
