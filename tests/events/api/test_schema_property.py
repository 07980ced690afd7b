"""Property-based run of the OpenAPI schema: whatever schemathesis generates from it, valid or
not, with and without credentials, no request gets a 5xx.

The Django app is called in-process through WSGI (no server); the calls run inside the test's
transaction, so what they write is rolled back afterwards. Bounded: a few examples per
operation keep the run well under a minute.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token

from tests.factories import local, make_event

OURS = r"^/api/v1/(tracks|audiences|branches|stops|events|occurrences|attendance)/"
MAX_EXAMPLES = 15


@pytest.fixture
def wsgi_app(db):
    # As Django's test client does: do not close the connection between requests, which would
    # end the test's transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def calendar_data(branch, other_branch, room, published, draft, other_published, past):
    make_event(
        branch=branch,
        room=room,
        title="Serie",
        start=local(2027, 1, 4, 10, 0),
        rrule="FREQ=WEEKLY;COUNT=5",
    )


@pytest.fixture
def credentials(admin_user, staff_user):
    admin = Token.objects.create(user=admin_user)
    staff = Token.objects.create(user=staff_user)
    return [None, f"Token {staff.key}", f"Token {admin.key}"]


# Loaded at collection: generating the schema does not touch the database.
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application()).include(
    path_regex=OURS
)
# Fuzzing (valid and invalid data) only: the deterministic coverage phase also passes but
# takes minutes; run it by hand with SCHEMATHESIS_COVERAGE=1.
schema.config.phases.coverage.enabled = os.environ.get("SCHEMATHESIS_COVERAGE") == "1"


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_generated_request_gets_a_server_error(case, wsgi_app, calendar_data, credentials):
    for authorization in credentials:
        headers = {"Authorization": authorization} if authorization else {}
        response = case.call(headers=headers)
        assert response.status_code < 500, (
            f"{case.method} {case.formatted_path} {case.query} {case.body!r} -> "
            f"{response.status_code}: {response.text[:500]}"
        )
