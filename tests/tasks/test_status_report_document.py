"""The status report as a document for the KIU meetings: the summary against last year,
management's comments, the formats (CSV dialects, XLSX cell types, PDF) and that it stays
frozen."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from datetime import date, datetime

import pytest
from django.utils import translation
from openpyxl import load_workbook

from events import services as events_services
from events.models import Occurrence
from tasks import exports
from tasks.models import ActionPlan, Initiative, StatusReport, Target
from tasks.services.reports import status_report_generate
from tests.conftest import require
from tests.factories import local, track
from tests.tasks.util import event_with

pytestmark = pytest.mark.django_db

JUNE_1 = local(2026, 6, 1, 6, 0)
AGES = {"children": 4, "adults": 6}


@pytest.fixture
def two_years(branch):
    """2025 to 31 May: 2 held (5 + 15 people), target 4 held. 2026 to 31 May: 3 held (10 + 10
    people, one missing), target 12 held and 80 people; one on 1 June that must not count."""
    event_with(
        branch=branch,
        start=local(2025, 3, 4, 10, 0),
        slugs=("hygge",),
        rrule="FREQ=WEEKLY;COUNT=2",
        counts=[5, 15],
        now=JUNE_1,
    )
    event_with(
        branch=branch,
        start=local(2026, 3, 3, 10, 0),
        slugs=("hygge", "fordybelse"),
        rrule="FREQ=WEEKLY;COUNT=3",
        counts=[10, 10, None],
        by_age=AGES,
        now=JUNE_1,
    )
    event_with(branch=branch, start=local(2026, 6, 1, 0, 5), counts=[99], now=JUNE_1)
    last = ActionPlan.objects.create(year=2025, status=ActionPlan.Status.ADOPTED, title="HP 2025")
    Target.objects.create(plan=last, branch=None, track=None, held=4)
    plan = ActionPlan.objects.create(
        year=2026, status=ActionPlan.Status.ADOPTED, title="Handleplan 2026"
    )
    Target.objects.create(plan=plan, branch=None, track=None, held=12, attendance=80)
    Initiative.objects.create(plan=plan, track=track("hygge"), text="Fredagshygge i Jyllinge")
    return plan


def _report(**kwargs) -> StatusReport:
    return status_report_generate(as_of=date(2026, 6, 1), now=JUNE_1, **kwargs)


def test_the_summary_and_last_year_equal_the_hand_computed_figures(two_years):
    report = _report()

    summary = report.data["summary"]
    now, before = summary["total"], summary["previous"]
    assert (now["held"], now["attendance"], now["missing_attendance"]) == (3, 20, 1)
    assert (now["share_of_target_held"], now["share_of_target_attendance"]) == (0.25, 0.25)
    assert now["missing_rate"] == round(1 / 3, 4)
    assert (now["children"], now["adults"]) == (8, 12)
    assert (before["held"], before["attendance"], before["missing_attendance"]) == (2, 20, 0)
    assert (before["share_of_target_held"], before["missing_rate"]) == (0.5, 0.0)
    assert report.data["previous"]["period"]["first"] == "2025-01-01"
    assert report.data["previous"]["period"]["last"] == "2025-05-31"
    # per track: fordybelse was not held last year
    fordybelse = summary["tracks"]["fordybelse"]
    assert (fordybelse["now"]["held"], fordybelse["previous"]["held"]) == (3, 0)
    assert summary["tracks"]["hygge"]["previous"]["attendance"] == 20
    # the summary agrees with the frozen figure rows it came from
    total = next(r for r in report.data["figures"] if r["branch_id"] is None and not r["track"])
    assert (total["held"], total["attendance"]) == (now["held"], now["attendance"])


def test_kiu_titles_in_danish_and_english(two_years):
    with translation.override("da"):
        june = _report()
        december = status_report_generate(as_of=date(2026, 12, 1), now=local(2026, 12, 1, 6))
    assert june.title == "Status på handleplan 2026, KIU juni 2026"
    assert december.title == "Status på handleplan 2026, KIU december 2026"
    assert _report().title == "Status of action plan 2026, KIU June 2026"


def test_comments_are_frozen_and_shown_per_track(two_years):
    report = _report(
        overall_comment="Et godt halvår.", track_comments={"hygge": "Fredagene er fyldt."}
    )

    report.refresh_from_db()
    assert report.overall_comment == report.data["overall_comment"] == "Et godt halvår."
    assert report.track_comments == {"hygge": "Fredagene er fyldt."}
    html = exports.report_html(report)
    assert "Et godt halvår." in html
    assert "Fredagene er fyldt." in html
    assert "Fredagshygge i Jyllinge" in html


def test_a_frozen_report_does_not_change_when_attendance_is_corrected_later(two_years):
    report = _report()
    before = (report.data, exports.report_html(report), exports.report_csv(report))
    missing = Occurrence.objects.filter(start__year=2026, start__month=3).order_by("start").last()
    events_services.attendance_record(occurrence=missing, total=40, now=JUNE_1)

    report = StatusReport.objects.get(pk=report.pk)
    assert (report.data, exports.report_html(report), exports.report_csv(report)) == before
    assert report.data["summary"]["total"]["attendance"] == 20
    # a new report does see the correction
    assert _report().data["summary"]["total"]["attendance"] == 60


def test_both_csv_dialects_read_back_in_their_dialect(two_years):
    report = _report()

    plain = exports.report_csv(report).decode("utf-8")
    danish_bytes = exports.report_csv(report, dialect="excel-da")

    assert not plain.startswith("\ufeff")
    assert danish_bytes.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(plain)))
    danish = list(csv.reader(io.StringIO(danish_bytes.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == danish[0] == [report.title]
    head, dhead = rows[4], danish[4]
    assert head == dhead
    total = next(dict(zip(head, r, strict=True)) for r in rows[5:] if r[0] == "All branches")
    dtotal = next(dict(zip(head, r, strict=True)) for r in danish[5:] if r[0] == "All branches")
    assert total["share of target: events held"] == "0.25"
    assert dtotal["share of target: events held"] == "0,25"
    assert total["attendance"] == dtotal["attendance"] == "20"


def test_the_csv_dialect_is_chosen_in_the_api(two_years, admin_client):
    report = _report()
    url = f"/api/v1/status/reports/{report.pk}/csv/"

    danish = admin_client.get(url, {"dialect": "excel-da"})
    plain = admin_client.get(url)
    bad = admin_client.get(url, {"dialect": "tsv"})

    assert danish.content.startswith("\ufeff".encode())
    assert b";" in danish.content
    assert not plain.content.startswith("\ufeff".encode())
    assert bad.status_code == 400
    assert "dialect" in bad.json()


def test_xlsx_cells_have_percent_and_date_types_widths_and_danish_labels(two_years):
    report = _report()
    with translation.override("da"):
        book = load_workbook(io.BytesIO(exports.report_xlsx(report)))

    summary = book.worksheets[0]
    assert isinstance(summary["B2"].value, datetime)
    assert summary["B2"].is_date
    assert summary["B2"].value.date() == date(2026, 1, 1)
    assert isinstance(summary["B3"].value, datetime)
    assert summary["B3"].is_date
    shares = [row for row in summary.iter_rows(min_row=6) if row[2].number_format == "0.0%"]
    assert shares, [[c.value for c in r] for r in summary.iter_rows(min_row=6)]
    values = [r[2].value for r in shares if r[2].value is not None]
    assert all(isinstance(v, (int, float)) for v in values), [[c.value for c in r] for r in shares]
    figures = book.worksheets[1]
    header = [c.value for c in figures[4]]
    col = header.index("målopfyldelse: afholdte arrangementer") + 1
    cell = figures.cell(row=5, column=col)
    assert (cell.value, cell.number_format) == (0.25, "0.0%")
    assert figures.column_dimensions["A"].width > 8
    plan_sheet = book.worksheets[-1]
    assert plan_sheet["B1"].value == "vedtaget"


def test_the_api_starts_a_report_with_comments(
    two_years, admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/api/v1/status/reports/",
            {"as_of": "2026-06-01", "overall_comment": "Samlet", "track_comments": {"hygge": "Ja"}},
            content_type="application/json",
        )
    bad = admin_client.post(
        "/api/v1/status/reports/",
        {"as_of": "2026-06-01", "track_comments": {"nope": "x"}},
        content_type="application/json",
    )

    assert response.status_code == 202, response.content
    assert bad.status_code == 400
    assert "track_comments" in bad.json()
    report = StatusReport.objects.get()
    assert (report.overall_comment, report.track_comments) == ("Samlet", {"hygge": "Ja"})


@pytest.mark.slow
def test_the_pdf_renders_with_title_summary_and_every_track(two_years, tmp_path):
    require(shutil.which("pdftoppm") is not None, "pdftoppm (poppler-utils) is not installed")
    report = _report(overall_comment="Et godt halvår.")

    pdf = exports.report_pdf(report)

    assert pdf.startswith(b"%PDF")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    from PIL import Image

    assert len(pages) >= 2 + len(report.data["tracks"])  # summary, a page per track, appendix
    for page in pages:
        image = Image.open(page).convert("L")
        assert image.size[0] < image.size[1]  # portrait A4
        low, high = image.getextrema()
        assert low < 128 < high, f"{page.name} is blank"
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "Status of action plan 2026, KIU June 2026" in text
    assert "Summary" in text
    assert "Occurrences held" in text
    assert "Et godt halvår." in text
    for t in report.data["tracks"]:
        assert t["name"] in text, t["name"]
    numbers = re.findall(r"\b(\d+) ?/ ?(\d+)\s*\f", text)  # @page margin box, page foot
    assert numbers == [(str(n), str(len(pages))) for n in range(1, len(pages) + 1)]


def _letters(text: str) -> str:
    """Lower-case letters and digits only: what OCR and the source agree on."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


@pytest.mark.slow
def test_the_pdf_pages_as_images_show_title_summary_and_every_track(two_years, tmp_path):
    """The pages are read back as images, by OCR (Tesseract), not from the PDF's text layer:
    what a committee member sees on paper carries the title, the summary and every track."""
    require(shutil.which("pdftoppm") is not None, "pdftoppm (poppler-utils) is not installed")
    require(shutil.which("tesseract") is not None, "tesseract (tesseract-ocr) is not installed")
    report = _report()
    path = tmp_path / "report.pdf"
    path.write_bytes(exports.report_pdf(report))
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(path), str(tmp_path / "page")], check=True)

    seen = ""
    for page in sorted(tmp_path.glob("page-*.png")):
        seen += subprocess.run(
            ["tesseract", str(page), "stdout", "-l", "eng"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    seen = _letters(seen)

    assert _letters("Status of action plan 2026, KIU June 2026") in seen
    assert _letters("Summary") in seen
    assert _letters("Occurrences held") in seen
    for shown in report.data["tracks"]:
        assert _letters(shown["name"]) in seen, shown["name"]


def test_the_pdf_endpoint_answers_a_pdf(two_years, admin_client):
    require(True, "")
    report = _report()

    response = admin_client.get(f"/api/v1/status/reports/{report.pk}/pdf/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_initiative_status_note_events_and_figures_in_the_snapshot_are_shown(two_years):
    report = _report()
    report.data["plan"]["initiatives"][0].update(
        status="in_progress",
        status_label="In progress",
        note="Kører hver fredag.",
        events=[{"id": 1, "title": "Fredagshygge"}],
        figures={"held": 7, "attendance": 91},
    )

    with translation.override("da"):
        html = exports.report_html(report)
        book = load_workbook(io.BytesIO(exports.report_xlsx(report)))

    assert "i gang" in html
    assert "Kører hver fredag." in html
    assert "<td>7</td><td>91</td>" in html
    row = [c.value for c in list(book["Handleplan 2026"].iter_rows())[-1]]
    assert row[-2:] == ["i gang", "Kører hver fredag."]
