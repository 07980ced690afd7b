"""The OpenAPI schema validates and describes every field and parameter."""

import contextlib
import io

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """The schema, validated against the OpenAPI 3 meta-schema, and drf-spectacular's
    warnings and errors (written to stderr)."""
    target = tmp_path_factory.mktemp("schema") / "schema.yaml"
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        call_command("spectacular", "--validate", "--file", str(target))
    return yaml.safe_load(target.read_text()), stderr.getvalue()


@pytest.fixture(scope="module")
def schema(generated):
    return generated[0]


def test_the_whole_api_generates_without_warnings(generated):
    # The whole project, not only events/api: a warning anywhere (an enum name clash with the
    # status API's "kind" fields, a view without a serializer) fails ``check --deploy``.
    _, messages = generated
    assert messages.strip() == ""
    assert "BranchKindEnum" in generated[0]["components"]["schemas"]


OURS = ("tracks", "audiences", "branches", "stops", "events", "occurrences", "attendance")


def _api_paths(schema):
    """The calendar's resources (the reports API under the same prefix is another issue's)."""
    return {
        p: ops
        for p, ops in schema["paths"].items()
        if p.startswith(tuple(f"/api/v1/{name}/" for name in OURS))
    }


def test_every_resource_is_in_the_schema(schema):
    paths = set(_api_paths(schema))
    for expected in [
        "/api/v1/tracks/",
        "/api/v1/branches/{slug}/",
        "/api/v1/stops/{slug}/",
        "/api/v1/events/",
        "/api/v1/events/{id}/",
        "/api/v1/events/{id}/publish/",
        "/api/v1/events/{id}/cancel/",
        "/api/v1/occurrences/",
        "/api/v1/occurrences/{id}/cancel/",
        "/api/v1/occurrences/{id}/move/",
        "/api/v1/occurrences/{id}/attendance/",
        "/api/v1/attendance/bulk/",
    ]:
        assert expected in paths


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


def test_every_field_and_parameter_of_the_calendar_api_is_described(schema):
    components = schema["components"]["schemas"]
    used = _refs(_api_paths(schema), set())
    # follow references from component to component
    while True:
        more = _refs([components[name] for name in used if name in components], set()) - used
        if not more:
            break
        used |= more
    missing = [
        f"{name}.{prop}"
        for name in sorted(used)
        if name in components
        for prop, spec in (components[name].get("properties") or {}).items()
        if not spec.get("description")
    ]
    assert missing == []
    undocumented_params = [
        f"{path} {method} {param['name']}"
        for path, ops in _api_paths(schema).items()
        for method, op in ops.items()
        if isinstance(op, dict)
        for param in op.get("parameters", [])
        if not param.get("description")
    ]
    assert undocumented_params == []


def test_the_schema_and_docs_are_served(anon_client):
    assert anon_client.get("/api/schema/").status_code == 200
    assert anon_client.get("/api/docs/").status_code == 200
