"""The downloads: the safety case report and the issued hazard log as PDF, the hazard log as CSV and XLSX."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse
from pypdf import PdfReader
from weasyprint.urls import URLFetchingError

from clinical_safety import documents, services
from core import pdf

from .conftest import hazard_details

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _pdf_text(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def _squashed(text: str) -> str:
    """Without whitespace: table cells wrap text at places the test cannot know."""
    return "".join(text.split())


@pytest.fixture
def two_hazards(hazard, epma, cso):
    services.hazard_create(
        actor=cso, system=epma,
        details=hazard_details(title="Dose unit confusion between mg and microgram", initial_severity=5,
                               initial_likelihood=2, residual_severity=5, residual_likelihood=1,
                               residual_justification="Fixed units are not possible for every product."),
    )
    return epma


def test_the_approved_safety_case_downloads_as_a_pdf_with_its_hazards_and_signatures(
    client, two_hazards, cso, riverside_governance
):
    version = services.hazard_log_issue(actor=cso, system=two_hazards)
    report = services.safety_case_draft(
        actor=cso, system=two_hazards,
        details={"release": "Version 4.2 go-live", "scope": "Adult wards.", "intended_use": "EPMA.",
                 "hazard_log_version": version, "outstanding_actions": "", "conclusion": "Acceptably safe."},
    )
    services.safety_case_submit(actor=cso, report=report)
    services.safety_case_approve(actor=riverside_governance, report=report, comments="Agreed by the DCSG.")
    report.refresh_from_db()
    client.force_login(riverside_governance)

    text = _pdf_text(client.get(reverse("clinical_safety:safety_case_pdf", args=[report.pk])))

    squashed = _squashed(text)
    assert "CLINICAL SAFETY CASE REPORT" in text
    assert "H-001" in text and "H-002" in text
    assert "H-002 is reduced as far as is practicable" in text
    assert "Approved by the governance team" in text
    assert "GPhC2071234" in squashed and _squashed(cso.get_full_name()) in squashed
    assert report.content_hash in squashed
    assert version.content_hash in _squashed(text)
    assert "Page 1 of" in text


def test_a_draft_safety_case_pdf_says_it_is_not_approved(client, draft_case, cso):
    client.force_login(cso)
    text = _pdf_text(client.get(reverse("clinical_safety:safety_case_pdf", args=[draft_case.pk])))
    assert "Draft: not signed, not approved" in text
    assert "DRAFT: NOT APPROVED" in text  # the running header on every page after the first
    assert "H-001 is reduced to an acceptable level." in text


def test_the_issued_hazard_log_downloads_as_a_pdf_with_every_hazard(client, two_hazards, cso, riverside_governance):
    version = services.hazard_log_issue(actor=cso, system=two_hazards, note="First issue")
    client.force_login(riverside_governance)

    text = _pdf_text(client.get(reverse("clinical_safety:hazard_log_version_pdf", args=[version.pk])))

    assert "Hazard log version 1" in text
    for reference in ("H-001", "H-002"):
        assert reference in text
    assert _squashed("Wrong patient selected from the ward list") in _squashed(text)
    assert "GPhC 2071234" in text
    assert version.content_hash in _squashed(text)


def test_the_pdf_is_drawn_from_the_frozen_version_not_the_live_log(client, issued, hazard, cso):
    services.hazard_update(actor=cso, hazard=hazard, details=hazard_details(title="Renamed after issue"))
    client.force_login(cso)
    text = _pdf_text(client.get(reverse("clinical_safety:hazard_log_version_pdf", args=[issued.pk])))
    assert _squashed("Wrong patient selected from the ward list") in _squashed(text)
    assert "Renamedafterissue" not in _squashed(text)


def _downloads(report):
    return [
        reverse("clinical_safety:safety_case_pdf", args=[report.pk]),
        reverse("clinical_safety:hazard_log_version_pdf", args=[report.hazard_log_version.pk]),
        reverse("clinical_safety:hazard_log_xlsx", args=[report.system.pk]),
        reverse("clinical_safety:hazard_log_csv", args=[report.system.pk]),
    ]


def test_another_organisations_cso_gets_404_for_every_download(client, draft_case, hillside_cso):
    client.force_login(hillside_cso)
    for url in _downloads(draft_case):
        assert client.get(url).status_code == 404, url


def test_staff_without_a_clinical_safety_role_get_404_for_every_download(client, draft_case, riverside_staff):
    client.force_login(riverside_staff)
    for url in _downloads(draft_case):
        assert client.get(url).status_code == 404, url


def test_the_downloads_need_a_sign_in(client, draft_case):
    for url in _downloads(draft_case):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_the_pdf_renderer_reads_only_our_static_files():
    fetcher = pdf.url_fetcher()
    for url in ("https://example.com/tracker.css", "file:///etc/passwd", "ftp://example.com/x"):
        with pytest.raises((URLFetchingError, ValueError)):
            fetcher.fetch(url)
    stylesheet = pdf.static_roots()[0] / documents.PRINT_STYLESHEET
    assert b"@page" in fetcher.fetch(stylesheet.as_uri()).read()


# --- Spreadsheets ---------------------------------------------------------------------------------


def test_the_xlsx_opens_and_has_a_row_for_every_hazard(client, two_hazards, cso):
    client.force_login(cso)
    response = client.get(reverse("clinical_safety:hazard_log_xlsx", args=[two_hazards.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"].endswith('.xlsx"')

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == documents.HAZARD_LOG_COLUMNS
    assert [row[0] for row in rows[1:]] == ["H-001", "H-002"]
    assert rows[2][1] == "Dose unit confusion between mg and microgram"
    assert rows[2][9] == 4 and rows[2][13] == 3  # initial and residual ratings, as numbers


def test_the_csv_and_the_xlsx_have_the_same_rows(client, two_hazards, cso):
    client.force_login(cso)
    csv_body = client.get(reverse("clinical_safety:hazard_log_csv", args=[two_hazards.pk])).content.decode()
    xlsx = client.get(reverse("clinical_safety:hazard_log_xlsx", args=[two_hazards.pk])).content
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    from_csv = list(csv.reader(io.StringIO(csv_body)))
    from_xlsx = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert from_csv == from_xlsx


def test_the_spreadsheets_defuse_formulas_typed_into_a_hazard(client, epma, cso):
    services.hazard_create(actor=cso, system=epma, details=hazard_details(title='=HYPERLINK("http://x.example","Click")'))
    client.force_login(cso)
    xlsx = client.get(reverse("clinical_safety:hazard_log_xlsx", args=[epma.pk])).content
    cell = openpyxl.load_workbook(io.BytesIO(xlsx)).active["B2"]
    assert cell.data_type == "s" and cell.value.startswith("'=")
    csv_body = client.get(reverse("clinical_safety:hazard_log_csv", args=[epma.pk])).content.decode()
    assert "H-001,'=HYPERLINK" in csv_body.replace('"', "")


def test_a_server_without_pango_says_so_instead_of_failing(client, draft_case, cso, monkeypatch):
    """WeasyPrint raises OSError on import where the Pango library is missing (a bare laptop)."""
    import sys
    import types

    broken = types.ModuleType("weasyprint")

    def missing_library(name):
        raise OSError("cannot load library 'libpango-1.0-0'")

    broken.__getattr__ = missing_library
    monkeypatch.setitem(sys.modules, "weasyprint", broken)
    client.force_login(cso)
    detail = reverse("clinical_safety:safety_case_detail", args=[draft_case.pk])

    response = client.get(reverse("clinical_safety:safety_case_pdf", args=[draft_case.pk]), follow=True)

    assert response.redirect_chain == [(detail, 302)]
    assert "PDF download is not available on this server" in response.content.decode()
