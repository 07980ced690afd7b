"""Property-based run of the whole API's OpenAPI schema (/api/schema/) with schemathesis: as
anonymous, branch staff and management, in every phase (the schema's examples, the
deterministic coverage phase, fuzzing, and stateful sequences of calls following the links
schemathesis infers), with valid and invalid ("negative") data. Every answer must be no server
error and conform to the schema: a documented status code, content type, headers and body, and
invalid data refused.

Two of schemathesis's checks are left out, because the schema cannot state what they assume:
- ``positive_data_acceptance``: a request valid by the schema may still name a branch or track
  that does not exist, or a quarter without its index; the domain refuses it with a 400.
- ``ignored_auth`` for the roles that log in: it re-sends our request with made-up credentials
  beside the valid token we give, so the valid token still answers. It runs for anonymous.

The Django app is called in-process through WSGI (no server); the calls run inside the test's
transaction, so what they write is rolled back afterwards. Bounded by ``MAX_EXAMPLES`` and
``MAX_STEPS``. The requests sent per role are written in the terminal summary.
"""

from __future__ import annotations

import collections
import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test
from rest_framework.authtoken.models import Token
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from tasks.models import ActionPlan
from tests.factories import local, make_event

OURS = r"^/api/v1/"
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "8"))
MAX_STEPS = int(os.environ.get("SCHEMATHESIS_MAX_STEPS", "12"))
STATEFUL_EXAMPLES = int(os.environ.get("SCHEMATHESIS_STATEFUL_EXAMPLES", "15"))
ROLES = ("anonymous", "staff", "management")
# requests sent per role; tests/events/api/conftest.py writes them in the terminal summary
CASES: collections.Counter[str] = collections.Counter()


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
    ActionPlan.objects.create(year=2026, title="Handleplan 2026")


@pytest.fixture
def role_headers(staff_user, management_user):
    staff = Token.objects.create(user=staff_user)
    management = Token.objects.create(user=management_user)
    return {
        "anonymous": {},
        "staff": {"Authorization": f"Token {staff.key}"},
        "management": {"Authorization": f"Token {management.key}"},
    }


# Loaded at collection: generating the schema does not touch the database.
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application()).include(
    path_regex=OURS
)
schema.config.phases.stateful.max_steps = MAX_STEPS


class each_example_alone:
    """Run one example in a savepoint that is rolled back, so every example meets the same
    data. Hypothesis replays an example's bytes to shrink it; if an earlier example had deleted
    or added rows meanwhile, the answers (and the links schemathesis follows from them) would
    differ, and Hypothesis would stop with FlakyStrategyDefinition ("Inconsistent data
    generation") instead of a verdict."""

    def __enter__(self):
        self._atomic = transaction.atomic()
        self._atomic.__enter__()

    def __exit__(self, *exc_info):
        transaction.set_rollback(True)
        self._atomic.__exit__(*exc_info)
        return False


# Schemathesis 4 now and then trips Hypothesis' FlakyStrategyDefinition on its own generation
# flags even so (upstream schemathesis#4132): a fault of the generator, not an answer of ours.
# Only that error is run again; any failure of a check is not.
RERUN_GENERATOR_FLAKE = pytest.mark.flaky(reruns=2, only_rerun=["FlakyStrategyDefinition"])


def _excluded(role: str) -> list:
    if role == "anonymous":
        return [positive_data_acceptance]
    return [positive_data_acceptance, ignored_auth]


def _validate(case, response, role: str, headers: dict) -> None:
    case.validate_response(
        response, excluded_checks=_excluded(role), transport_kwargs={"headers": headers}
    )


@pytest.mark.slow
@RERUN_GENERATOR_FLAKE
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_generated_request_is_answered_as_the_schema_says(
    case, wsgi_app, calendar_data, role_headers
):
    for role in ROLES:
        headers = role_headers[role]
        with each_example_alone():
            response = case.call(headers=headers)
            CASES[role] += 1
            _validate(case, response, role, headers)


@pytest.mark.slow
@RERUN_GENERATOR_FLAKE
@pytest.mark.parametrize("role", ROLES)
def test_stateful_sequences_are_answered_as_the_schema_says(
    wsgi_app, calendar_data, role_headers, role
):
    headers = role_headers[role]

    class Sequences(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self):
            self._alone = each_example_alone()
            self._alone.__enter__()

        def teardown(self):
            self._alone.__exit__(None, None, None)

        def get_call_kwargs(self, case):
            return {"headers": headers}

        def call(self, case, **kwargs):
            CASES[f"{role} (stateful)"] += 1
            return super().call(case, **kwargs)

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(
                response,
                excluded_checks=_excluded(role),
                transport_kwargs=kwargs or None,
                recorder=self.recorder,
            )

    run_state_machine_as_test(
        Sequences,
        settings=settings(
            max_examples=STATEFUL_EXAMPLES,
            stateful_step_count=MAX_STEPS,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        ),
    )
