"""The national statistics in the status API (/api/v1/status/national/<year>/): management and
administrators only, the service's sheet, the frozen December sheet, and its CSV and XLSX read
back as a spreadsheet would, with no formula in them."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from tasks.models import NationalLine
from tasks.services.national import national_adjustment_save
from tasks.services.reports import status_report_generate
from tests.factories import BranchFactory, local
from tests.tasks.util import event_with

pytestmark = pytest.mark.django_db

URL = "/api/v1/status/national/2026/"
FREEZE = local(2026, 12, 1, 6, 0)
EVIL_TITLE = '=HYPERLINK("http://evil.example","Klik")'


@pytest.fixture
def sheet_data(branch):
    """Three arrangements (5, 0 and one missing), one exhibition, and a draft never counted."""
    event_with(
        branch=branch,
        start=local(2026, 3, 3, 19, 0),
        rrule="FREQ=WEEKLY;COUNT=3",
        counts=[5, 0, None],
        title=EVIL_TITLE,
    )
    event_with(branch=branch, start=local(2026, 5, 1, 10, 0), kind="exhibition", counts=[30])
    event_with(
        branch=branch, start=local(2026, 4, 7, 10, 0), status="draft", title="Hemmeligt udkast"
    )


def answers(body) -> dict[str, int]:
    return {line["code"]: line["answer"] for line in body["lines"]}


def test_only_management_and_administrators_read_it(
    anon_client, staff_client, management_client, admin_client_api, sheet_data
):
    assert anon_client.get(URL).status_code in (401, 403)
    assert staff_client.get(URL).status_code == 403
    assert staff_client.get(URL + "csv/").status_code == 403
    assert management_client.get(URL).status_code == 200
    assert admin_client_api.get(URL + "xlsx/").status_code == 200


def test_the_sheet_is_the_services_count_and_never_shows_a_draft(management_client, sheet_data):
    response = management_client.get(URL)
    body = response.json()
    got = answers(body)
    assert (got["arrangementer"], got["arrangementer-deltagere"], got["udstillinger"]) == (3, 5, 1)
    assert body["missing_count"] == 1
    assert body["frozen_with"] is None
    assert "Hemmeligt udkast" not in response.content.decode()


def test_bad_input_is_a_400_naming_the_field(management_client, db):
    response = management_client.get("/api/v1/status/national/1999/")
    assert response.status_code == 400
    assert "year" in response.json()
    response = management_client.get(URL, {"frozn": "true"})
    assert response.status_code == 400
    assert "frozn" in response.json()
    response = management_client.get(URL + "csv/", {"dialect": "excel-fr"})
    assert response.status_code == 400
    assert "dialect" in response.json()


def test_the_frozen_sheet_is_the_december_reports(management_client, branch):
    event = event_with(branch=branch, start=local(2026, 10, 6, 19, 0), counts=[None])
    assert management_client.get(URL, {"frozen": "true"}).status_code == 404
    report = status_report_generate(as_of=date(2026, 12, 1), scheduled=True, now=FREEZE)
    from events import services

    services.attendance_record(occurrence=event.occurrences.get(), total=12, now=FREEZE)
    NationalLine.objects.filter(year__isnull=True, code="arrangementer").update(
        kinds=["arrangement", "other", "teaching"]
    )

    frozen = management_client.get(URL, {"frozen": "true"}).json()
    live = management_client.get(URL).json()
    assert frozen["frozen_with"] == report.pk
    assert answers(frozen)["arrangementer-deltagere"] == 0
    assert answers(live)["arrangementer-deltagere"] == 12
    frozen_line = next(r for r in frozen["mapping"] if r["code"] == "arrangementer")
    assert frozen_line["kinds"] == ["arrangement"]


def _csv_rows(content: bytes, *, danish: bool) -> list[list[str]]:
    text = content.decode("utf-8-sig" if danish else "utf-8")
    return list(csv.reader(io.StringIO(text), delimiter=";" if danish else ","))


def test_the_csv_reads_back_with_the_answers_and_the_missing_list(management_client, sheet_data):
    for danish in (False, True):
        params = {"dialect": "excel-da"} if danish else {}
        response = management_client.get(URL + "csv/", params, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        assert response["Content-Disposition"].endswith('national-statistics-2026.csv"')
        assert response.content.startswith(b"\xef\xbb\xbf") is danish
        rows = _csv_rows(response.content, danish=danish)
        assert rows[0] == ["National statistics 2026"]
        header = rows.index(next(r for r in rows if r and r[0] == "Questionnaire"))
        columns = rows[header]
        by_code = {
            r[1]: dict(zip(columns, r, strict=False)) for r in rows[header + 1 :] if len(r) > 5
        }
        assert by_code["arrangementer"]["Answer given"] == "3"
        assert by_code["arrangementer-deltagere"]["Answer given"] == "5"
        assert by_code["arrangementer-deltagere"]["Held with attendance 0"] == "1"
        assert by_code["arrangementer-deltagere"]["Held missing attendance"] == "1"
        assert by_code["udstillinger"]["Answer given"] == "1"
        # The event's title, which a spreadsheet would take for a formula, is text.
        missing = [r for r in rows if len(r) == 6 and r[0].startswith("2026-")]
        assert [r[2] for r in missing] == ["'" + EVIL_TITLE]
        assert not any(c.startswith(("=", "+", "@")) for r in rows for c in r)


def test_the_xlsx_reads_back_with_numbers_and_no_formula(management_client, sheet_data, branch):
    national_adjustment_save(year=2026, code="udstillinger", delta=2, reason="=1+1 på papir")
    BranchFactory(name="+Filial", slug="filial")
    response = management_client.get(URL + "xlsx/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Answers", "Missing attendance", "Mapping"]
    ws = book["Answers"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    header = next(i for i, r in enumerate(rows) if r[0] == "Questionnaire")
    columns = rows[header]
    by_code = {r[1]: dict(zip(columns, r, strict=False)) for r in rows[header + 1 :]}
    exhibitions = by_code["udstillinger"]
    assert (exhibitions["Counted"], exhibitions["Adjustment"], exhibitions["Answer given"]) == (
        1,
        2,
        3,
    )
    assert exhibitions["Reason for the adjustment"] == "'=1+1 på papir"
    assert "'+Filial" in columns
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for c in row:
                assert c.data_type != "f", (sheet.title, c.coordinate, c.value)
    missing = list(book["Missing attendance"].iter_rows(values_only=True))
    assert missing[1][2] == "'" + EVIL_TITLE
    assert missing[1][0].isoformat().startswith("2026-03-17T19:00")


def test_the_schema_documents_the_national_statistics(management_client, sheet_data):
    import yaml

    schema = yaml.safe_load(management_client.get("/api/schema/").content)
    paths = schema["paths"]
    for suffix in ("", "csv/", "xlsx/"):
        operation = paths["/api/v1/status/national/{year}/" + suffix]["get"]
        assert operation["description"]
        assert all(p.get("description") for p in operation["parameters"])
    ok = paths["/api/v1/status/national/{year}/"]["get"]["responses"]["200"]
    ref = ok["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    component = schema["components"]["schemas"][ref]
    body = management_client.get(URL).json()
    assert set(component["properties"]) == set(body)
    assert all(p.get("description") for p in component["properties"].values())
    answer = schema["components"]["schemas"]["NationalAnswer"]["properties"]
    assert set(answer) == set(body["lines"][0])
