"""The whole project's OpenAPI schema generates without a warning and validates; the status
views' part of it describes every field and parameter and matches what they really answer, and
the reports' and action plans' part describes every field, parameter and operation."""

from __future__ import annotations

import contextlib
import io
from unittest import mock

import pytest
import yaml
from django.core.management import call_command

from tasks.services.figures import status_recompute
from tests.factories import local
from tests.tasks.util import NOW, event_with

pytestmark = pytest.mark.django_db

STATUS_VIEWS = {
    # path: (method, response status, response component)
    "/api/v1/status/figures/": ("get", "200", "Figures"),
    "/api/v1/status/coverage/": ("get", "200", "TrackCoverage"),
    "/api/v1/status/monthly/": ("get", "200", "MonthlyAttendance"),
    "/api/v1/status/missing-attendance/": ("get", "200", "MissingAttendance"),
    "/api/v1/status/recompute/": ("post", "202", "Job"),
    "/api/v1/status/jobs/{id}/": ("get", "200", "Job"),
}

# The reports' and action plans' paths, and the operations each has.
REPORT_AND_PLAN_PATHS = {
    "/api/v1/status/reports/": {"get", "post"},
    "/api/v1/status/reports/{id}/": {"get"},
    "/api/v1/status/reports/{id}/csv/": {"get"},
    "/api/v1/status/reports/{id}/xlsx/": {"get"},
    "/api/v1/status/reports/{id}/html/": {"get"},
    "/api/v1/status/reports/{id}/pdf/": {"get"},
    "/api/v1/action-plans/": {"get", "post"},
    "/api/v1/action-plans/{id}/": {"get", "put", "patch", "delete"},
    "/api/v1/action-plans/{id}/copy/": {"post"},
}


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    """Generated as CI does: ``--fail-on-warn`` raises on any warning or error, ``--validate``
    on a schema that breaks the OpenAPI 3 meta-schema; stderr must stay empty as well."""
    target = tmp_path_factory.mktemp("schema") / "schema.yaml"
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert stderr.getvalue().strip() == ""
    return yaml.safe_load(target.read_text())


def _response(schema, path):
    method, code, _ = STATUS_VIEWS[path]
    return schema["paths"][path][method]["responses"][code]["content"]["application/json"]["schema"]


def _refs(node, found):
    if isinstance(node, dict):
        if "$ref" in node:
            found.add(node["$ref"].rsplit("/", 1)[-1])
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)
    return found


def test_the_status_views_answer_their_serializers(schema):
    for path, (_, _, component) in STATUS_VIEWS.items():
        assert _response(schema, path) == {"$ref": f"#/components/schemas/{component}"}, path
    recompute = schema["paths"]["/api/v1/status/recompute/"]["post"]["requestBody"]
    assert recompute["content"]["application/json"]["schema"]["$ref"].endswith("/RecomputeRequest")
    params = {p["name"]: p for p in schema["paths"]["/api/v1/status/figures/"]["get"]["parameters"]}
    assert set(params) == {"year", "period", "index", "date", "branch", "track", "scope"}
    assert params["year"]["required"] is True
    assert params["scope"]["schema"]["enum"] == ["cell", "branch", "track", "total"]


def test_each_kind_of_choice_has_its_own_enum(schema):
    components = schema["components"]["schemas"]
    assert components["JobKindEnum"]["enum"] == ["recompute", "report", "dpl_sync"]
    assert components["StatusReportKindEnum"]["enum"] == ["june", "december", "on_demand"]
    assert components["PeriodKindEnum"]["enum"] == ["month", "quarter", "half", "year", "ytd"]
    assert components["BranchKindEnum"]["enum"] == ["library", "bookmobile"]
    assert not [name for name in components if name.startswith("Kind")]


def _used(schema, paths):
    """The component schemas the operations in ``paths`` use, directly or nested."""
    components = schema["components"]["schemas"]
    used = _refs(paths, set())
    while more := _refs([components[name] for name in used], set()) - used:
        used |= more
    return used


def test_every_field_and_parameter_of_the_status_views_is_described(schema):
    paths = {path: schema["paths"][path] for path in STATUS_VIEWS}
    assert _undescribed(schema, _used(schema, paths)) == []
    undocumented = [
        f"{path} {param['name']}"
        for path, ops in paths.items()
        for op in ops.values()
        if isinstance(op, dict)
        for param in op.get("parameters", [])
        if not param.get("description")
    ]
    assert undocumented == []


def _undescribed(schema, names):
    components = schema["components"]["schemas"]
    return [
        f"{name}.{prop}"
        for name in sorted(names)
        for prop, spec in (components[name].get("properties") or {}).items()
        if not spec.get("description")
    ]


def test_every_field_of_the_reports_and_action_plans_is_described(schema):
    used = _used(schema, {path: schema["paths"][path] for path in REPORT_AND_PLAN_PATHS})
    # Every serializer of these views, in responses and (as *Request) in request bodies.
    assert {
        "StatusReport",
        "StatusReportDetail",
        "ReportCreateRequest",
        "ActionPlan",
        "ActionPlanRequest",
        "PatchedActionPlanRequest",
        "ActionPlanCopyRequest",
        "Target",
        "TargetRequest",
        "Initiative",
        "InitiativeRequest",
    } <= used
    # The page envelope (count, next, previous, results) included: the API's pagination
    # (events.api.pagination) describes it.
    assert {"PaginatedStatusReportList", "PaginatedActionPlanList"} <= used
    assert _undescribed(schema, used) == []


def test_every_operation_and_parameter_of_the_reports_and_action_plans_is_described(schema):
    operations = {
        (path, method): op
        for path, methods in REPORT_AND_PLAN_PATHS.items()
        for method, op in schema["paths"][path].items()
        if method in methods
    }
    assert {m for p, m in operations if p == "/api/v1/action-plans/{id}/"} == {
        "get",
        "put",
        "patch",
        "delete",
    }
    assert len(operations) == sum(len(m) for m in REPORT_AND_PLAN_PATHS.values())
    undescribed = [
        f"{method} {path}" for (path, method), op in operations.items() if not op.get("description")
    ]
    assert undescribed == []
    # Each operation says what it does, rather than all repeating the view's docstring.
    descriptions = [op["description"] for op in operations.values()]
    assert len(set(descriptions)) == len(descriptions)
    undocumented = [
        f"{method} {path} {param['name']}"
        for (path, method), op in operations.items()
        for param in op.get("parameters", [])
        if not param.get("description")
    ]
    assert undocumented == []


TYPES = {
    "integer": int,
    "number": (int, float),
    "string": str,
    "boolean": bool,
    "array": list,
    "object": dict,
}


def _mismatches(spec, value, components, where="$"):  # noqa: C901 - a case per schema keyword
    """Where ``value`` differs from the schema ``spec``: an object's keys must be exactly its
    properties, and every value of the declared type (or null where nullable)."""
    if "$ref" in spec:
        return _mismatches(components[spec["$ref"].rsplit("/", 1)[-1]], value, components, where)
    if "allOf" in spec:
        merged = {k: v for k, v in spec.items() if k != "allOf"}
        return [
            m
            for part in spec["allOf"]
            for m in _mismatches({**part, **merged}, value, components, where)
        ]
    if value is None:
        return [] if spec.get("nullable") else [f"{where}: null"]
    kind = spec.get("type", "object" if "properties" in spec else None)
    if kind is None:  # free JSON
        return []
    if not isinstance(value, TYPES[kind]) or (kind == "integer" and isinstance(value, bool)):
        return [f"{where}: {value!r} is not {kind}"]
    if "enum" in spec and value not in spec["enum"]:
        return [f"{where}: {value!r} not in {spec['enum']}"]
    if kind == "array":
        return [
            m
            for i, item in enumerate(value)
            for m in _mismatches(spec["items"], item, components, f"{where}[{i}]")
        ]
    if kind == "object" and "properties" in spec:
        found = []
        if set(value) != set(spec["properties"]):
            found.append(f"{where}: keys {sorted(set(value) ^ set(spec['properties']))}")
        for key, sub in spec["properties"].items():
            if key in value:
                found += _mismatches(sub, value[key], components, f"{where}.{key}")
        return found
    if kind == "object" and isinstance(spec.get("additionalProperties"), dict):
        return [
            m
            for key, item in value.items()
            for m in _mismatches(spec["additionalProperties"], item, components, f"{where}.{key}")
        ]
    return []


@pytest.fixture
def counted(branch, other_branch):
    event_with(
        branch=branch,
        start=local(2026, 2, 3, 10, 0),
        slugs=("hygge", "fordybelse"),
        rrule="FREQ=WEEKLY;COUNT=2",
        counts=[10, None],
    )
    event_with(branch=other_branch, start=local(2026, 5, 5, 10, 0), slugs=("hygge",), counts=[7])
    status_recompute(year=2026, now=NOW)


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/v1/status/figures/", {"year": 2026}),
        # year to date: computed on the spot, computed_at is null
        ("/api/v1/status/figures/", {"year": 2026, "period": "ytd", "date": "2026-06-30"}),
        ("/api/v1/status/coverage/", {"year": 2026, "period": "quarter", "index": 1}),
        ("/api/v1/status/monthly/", {"year": 2026, "branch": "jyllinge"}),
        ("/api/v1/status/missing-attendance/", {"year": 2026}),
    ],
)
def test_the_status_views_answer_what_the_schema_says(
    schema, management_client, counted, path, query
):
    with mock.patch("tasks.services.figures.timezone.now", return_value=NOW):
        response = management_client.get(path, query)

    assert response.status_code == 200
    body = response.json()
    assert body["results"]
    assert _mismatches(_response(schema, path), body, schema["components"]["schemas"]) == []


def test_a_recompute_job_is_what_the_schema_says(schema, management_client):
    components = schema["components"]["schemas"]
    started = management_client.post("/api/v1/status/recompute/", {"year": 2026}, format="json")
    assert started.status_code == 202
    assert (
        _mismatches(_response(schema, "/api/v1/status/recompute/"), started.json(), components)
        == []
    )
    polled = management_client.get(started.json()["url"])
    assert polled.status_code == 200
    assert (
        _mismatches(_response(schema, "/api/v1/status/jobs/{id}/"), polled.json(), components) == []
    )


def _answer(schema, path, method, code):
    operation = schema["paths"][path][method]
    return operation["responses"][code]["content"]["application/json"]["schema"]


def test_plans_and_reports_answer_what_the_schema_says(
    schema, management_client, counted, django_capture_on_commit_callbacks
):
    components = schema["components"]["schemas"]
    plan = {
        "year": 2026,
        "title": "Handleplan 2026",
        "targets": [
            {"branch": "jyllinge", "track": "hygge", "held": 20},
            {"branch": None, "track": None, "attendance": 5000},
        ],
        "initiatives": [{"track": "hygge", "text": "Strikkecafé hver torsdag"}],
    }
    created = management_client.post("/api/v1/action-plans/", plan, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["copied_from"] is None
    copied = management_client.post(f"/api/v1/action-plans/{created.json()['id']}/copy/", {})
    assert copied.status_code == 201
    listed = management_client.get("/api/v1/action-plans/")
    assert listed.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        started = management_client.post(
            "/api/v1/status/reports/", {"as_of": "2026-06-01"}, format="json"
        )
    report_id = management_client.get(started.json()["url"]).json()["result"]["report"]
    shown = management_client.get(f"/api/v1/status/reports/{report_id}/")
    reports = management_client.get("/api/v1/status/reports/")

    for path, method, code, body in [
        ("/api/v1/action-plans/", "post", "201", created.json()),
        ("/api/v1/action-plans/{id}/copy/", "post", "201", copied.json()),
        ("/api/v1/action-plans/", "get", "200", listed.json()),
        ("/api/v1/status/reports/{id}/", "get", "200", shown.json()),
        ("/api/v1/status/reports/", "get", "200", reports.json()),
    ]:
        assert _mismatches(_answer(schema, path, method, code), body, components) == [], path
