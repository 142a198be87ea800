"""The safety case report and the issued hazard log as a screen reader gets them: tagged PDF/UA-1,
with their title and language, headings in the order of the document, tables with header cells and
lists as lists (tests/pdf_structure.py reads the structure tree)."""

from datetime import date

import pytest
from django.urls import reverse

from clinical_safety import services
from tests.pdf_structure import downloaded, headings, in_order, page_text, reading_text, tagged_pdf, ua_problems

from .conftest import hazard_details, safety_case_details

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved_with_controls(hazard, epma, cso, riverside_governance):
    """Two hazards, the first with two verified controls, issued and argued in an approved safety case."""
    services.hazard_control_add(actor=cso, hazard=hazard, details={
        "control_type": "design", "description": "Photo of the patient in the banner.",
        "verification": "Tested on ward 7", "verified_on": date(2026, 10, 2)})
    services.hazard_control_add(actor=cso, hazard=hazard, details={
        "control_type": "training", "description": "Two identifiers checked before prescribing."})
    services.hazard_create(actor=cso, system=epma, details=hazard_details(
        title="Dose unit confusion between mg and microgram", initial_severity=5, initial_likelihood=2,
        residual_severity=5, residual_likelihood=1, residual_justification="Fixed units are not possible."))
    version = services.hazard_log_issue(actor=cso, system=epma, note="First issue")
    report = services.safety_case_draft(actor=cso, system=epma, details=safety_case_details(version))
    services.safety_case_submit(actor=cso, report=report)
    return services.safety_case_approve(actor=riverside_governance, report=report, comments="Agreed.")


def _pdf(client, reader, url_name: str, pk: int, name: str) -> bytes:
    client.force_login(reader)
    return downloaded(client.get(reverse(f"clinical_safety:{url_name}", args=[pk])), name)


def _safety_case(client, report, reader) -> bytes:
    return _pdf(client, reader, "safety_case_pdf", report.pk, "safety-case")


SAFETY_CASE_HEADINGS = [
    (1, "MedChart EPMA 4.2"),
    (2, "Document control"),
    (2, "Sign-off"),
    (2, "1. Scope and intended use"),
    (3, "Scope"),
    (3, "Intended use"),
    (2, "2. Clinical risk assessment"),
    (3, "The risk matrix"),
    (3, "Risk profile of this hazard log"),
    (3, "Hazards and their ratings"),
    (2, "3. Safety argument"),
    (3, "H-001 Wrong patient selected from the ward list"),
    (3, "H-002 Dose unit confusion between mg and microgram"),
    (2, "4. Outstanding actions"),
    (2, "5. Conclusion"),
]


def test_the_safety_case_pdf_is_tagged_pdf_ua_with_its_title_and_language(client, approved_with_controls,
                                                                          riverside_governance):
    pdf = tagged_pdf(_safety_case(client, approved_with_controls, riverside_governance))

    assert ua_problems(pdf) == []
    assert pdf.title == "Clinical safety case report: MedChart EPMA 4.2, Version 4.2 go-live"
    assert pdf.lang == "en-GB" and pdf.display_doc_title and pdf.marked
    # The running header and footer are page furniture in the margins, not the document's first words.
    assert reading_text(pdf).startswith("MedSafety Hub Riverside University Hospitals NHS Foundation Trust ODS code")


def test_the_safety_case_reads_in_the_order_of_its_sections(client, approved_with_controls, riverside_governance):
    content = _safety_case(client, approved_with_controls, riverside_governance)
    pdf = tagged_pdf(content)

    assert headings(pdf) == SAFETY_CASE_HEADINGS
    section_titles = [text for _, text in SAFETY_CASE_HEADINGS]
    assert in_order(reading_text(pdf), section_titles)
    assert in_order(page_text(content), section_titles)  # what a copy of the text gets, page by page
    # Within a section, its content follows its heading: the conclusion after "5. Conclusion".
    assert in_order(reading_text(pdf), ["5. Conclusion", "The system is acceptably safe to deploy."])


def test_the_safety_cases_tables_have_header_cells_and_its_evidence_is_a_list(client, approved_with_controls,
                                                                             riverside_governance):
    pdf = tagged_pdf(_safety_case(client, approved_with_controls, riverside_governance))

    tables = pdf.document.find("Table")
    # Document control, sign-off, the matrix, the risk profile, the hazards and their ratings.
    assert len(tables) == 5
    assert [th.words for th in tables[4].find("TH")] == [
        "Ref", "Hazard", "Initial risk", "Residual risk", "Status"]
    # Each cell of the matrix is headed by its likelihood (row) and its severity (column).
    assert all(len(cell.headers) == 2 for cell in tables[2].find("TD"))
    # The evidence of H-001's claim: its two controls, each a list item.
    evidence = [item.words for item in pdf.document.find("L")[0].find("LBody")]
    assert len(evidence) == 2 and evidence[0].startswith("Design: Photo of the patient in the banner.")


HAZARD_LOG_HEADINGS = [
    (1, "MedChart EPMA 4.2"),
    (2, "Clinical Safety Officer's signature"),
    (2, "How risk is rated"),
    (3, "The risk matrix"),
    (3, "Risk profile of this hazard log"),
    (2, "The hazards"),
]


def test_the_issued_hazard_log_pdf_is_tagged_pdf_ua_and_reads_in_order(client, approved_with_controls,
                                                                       riverside_governance):
    version = approved_with_controls.hazard_log_version
    content = _pdf(client, riverside_governance, "hazard_log_version_pdf", version.pk, "hazard-log")

    pdf = tagged_pdf(content)

    assert ua_problems(pdf) == []
    assert pdf.title == "Hazard log: MedChart EPMA 4.2, version 1"
    assert reading_text(pdf).startswith("MedSafety Hub") and "printed" not in reading_text(pdf)
    assert pdf.lang == "en-GB"
    assert headings(pdf) == HAZARD_LOG_HEADINGS
    assert in_order(reading_text(pdf), [text for _, text in HAZARD_LOG_HEADINGS])
    assert in_order(page_text(content), [text for _, text in HAZARD_LOG_HEADINGS])
    # The hazard table (on landscape pages) is headed by its eight columns; a hazard is read row by row.
    hazard_table = [t for t in pdf.document.find("Table") if "Causes and effect" in t.text][0]
    assert len(hazard_table.find("TH")) == 8
    assert in_order(hazard_table.words, [
        "H-001", "Wrong patient selected", "Similar names", "Photo of the patient", "H-002", "Dose unit confusion"])
    # H-001's controls are a list in their cell.
    assert any(len(lst.find("LI")) == 2 and "Photo of the patient" in lst.text for lst in hazard_table.find("L"))
