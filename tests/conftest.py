"""Fixtures shared by the whole suite: users per role and API clients for them."""

from __future__ import annotations

import os
import shutil

import pytest
from rest_framework.test import APIClient

from tests import factories

# In CI (.ci/run sets REQUIRE_ALL_TESTS=1) a test that needs Node, Chromium, PostgreSQL or Redis
# fails instead of skipping when that is missing, so nothing is skipped quietly.
REQUIRE_ALL = os.environ.get("REQUIRE_ALL_TESTS") == "1"


def require(condition: bool, reason: str) -> None:
    """Skip locally, fail in CI, when something a test needs is not here."""
    if condition:
        return
    if REQUIRE_ALL:
        pytest.fail(f"required in CI but missing: {reason}")
    pytest.skip(reason)


def uses_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def has_redis() -> bool:
    return bool(os.environ.get("REDIS_URL"))


def has_node() -> bool:
    return shutil.which("node") is not None


@pytest.fixture
def branch(db):
    return factories.BranchFactory(name="Jyllinge Bibliotek", slug="jyllinge")


@pytest.fixture
def other_branch(db):
    return factories.BranchFactory(name="Viby Bibliotek", slug="viby")


@pytest.fixture
def bookmobile(db):
    return factories.BookmobileFactory()


@pytest.fixture
def staff_user(db, branch):
    return factories.UserFactory(username="staff-jyllinge", branches=[branch])


@pytest.fixture
def other_staff_user(db, other_branch):
    return factories.UserFactory(username="staff-viby", branches=[other_branch])


@pytest.fixture
def management_user(db):
    return factories.UserFactory(username="manager", groups=["management"])


@pytest.fixture
def admin_user(db):
    user = factories.UserFactory(username="admin")
    user.is_superuser = user.is_staff = True
    user.save()
    return user


def _client(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user=user)
    return client


@pytest.fixture
def anon_client():
    return _client()


@pytest.fixture
def staff_client(staff_user):
    return _client(staff_user)


@pytest.fixture
def other_staff_client(other_staff_user):
    return _client(other_staff_user)


@pytest.fixture
def management_client(management_user):
    return _client(management_user)


@pytest.fixture
def admin_client_api(admin_user):
    return _client(admin_user)


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on a spare port, with Django's SMTP backend sending to it."""
    from tests.mailserver import MailServer

    server = MailServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = server.host
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield server
    finally:
        server.stop()
