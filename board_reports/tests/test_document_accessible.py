"""The monthly report's PDF as a board member using a screen reader gets it: tagged PDF/UA-1, its
sections in order, every table with header cells, and each chart with a text alternative that says
what the chart shows (tests/pdf_structure.py reads the structure tree)."""

from datetime import date

import pytest
from django.urls import reverse

from board_reports import services
from incidents.models import MedicationIncident
from tests.pdf_structure import downloaded, headings, in_order, page_text, reading_text, tagged_pdf, ua_problems

pytestmark = pytest.mark.django_db

SECTIONS = [
    (1, "Medication safety report: November 2026"),
    (2, "The MSO's narrative"),
    (2, "Reports and harm over time (statistical process control)"),
    (3, "Reports per month"),
    (3, "Incidents causing harm per month (low harm or worse)"),
    (2, "Red flags and Never Events reported this month"),
    (2, "Themes this month"),
    (2, "High-alert medicines"),
    (2, "Actions and national communications"),
    (2, "Clinical safety of health IT (DCB0129/DCB0160)"),
]


@pytest.fixture
def issued(riverside, riverside_mso, incident_in):
    """November 2026 issued, with a year of incidents behind its charts and a red flag in the month."""
    for month in range(1, 12):
        for day in range(1, 1 + month % 4 + 1):
            incident_in(date(2026, month, day), stage="prescribing" if day % 2 else "administering")
    incident_in(date(2026, 11, 20), physical_harm="severe",
                medicines=[{"name": "Insulin aspart", "route": "subcutaneous", "dose": "40 units"}])
    report = services.board_report_prepare(organisation=riverside, month=date(2026, 11, 1))[0]
    return services.board_report_issue(report=report, actor=riverside_mso, narrative="Harm fell this month.")[0]


def _pdf(client, report, mso):
    client.force_login(mso)
    return downloaded(client.get(reverse("board_reports:report_pdf", args=[report.pk])), "board-report")


def test_the_board_report_pdf_is_tagged_pdf_ua_with_its_title_and_language(client, issued, riverside_mso):
    pdf = tagged_pdf(_pdf(client, issued, riverside_mso))

    assert ua_problems(pdf) == []
    assert pdf.title == f"Medication safety report November 2026: {issued.organisation.name}"
    assert pdf.lang == "en-GB" and pdf.display_doc_title and pdf.marked
    assert reading_text(pdf).startswith("MedSafety Hub")  # not the running header, which is in the margins


def test_the_board_report_reads_in_the_order_of_its_sections(client, issued, riverside_mso):
    content = _pdf(client, issued, riverside_mso)
    pdf = tagged_pdf(content)

    assert headings(pdf) == SECTIONS
    assert in_order(reading_text(pdf), [text for _, text in SECTIONS])
    assert in_order(page_text(content), [text for _, text in SECTIONS])
    assert in_order(reading_text(pdf), ["The MSO's narrative", "Harm fell this month.", "Reports per month"])


def test_each_chart_says_what_it_shows_and_keeps_the_table_behind_it(client, issued, riverside_mso):
    pdf = tagged_pdf(_pdf(client, issued, riverside_mso))

    alternatives = [figure.alt for figure in pdf.document.find("Figure")]
    # Per chart: the variation icon (its Making Data Count name) and the chart (its title and reading).
    assert len(alternatives) == 4
    assert "variation" in alternatives[0].lower()
    # Two years of months, as the chart draws; its reading of November's five reports.
    assert alternatives[1].startswith("Reports per month: Reports per month from Dec 2024 to Nov 2026: mean ")
    assert "Reports in Nov 2026 (5) were above the upper process limit" in alternatives[1]
    assert alternatives[3].startswith("Incidents causing harm per month (low harm or worse): Incidents causing harm")
    # The numbers behind each chart are a table headed by month and measure, one row per month. A table
    # that runs onto the next page is one Table per page (WeasyPrint tags page by page), each headed again.
    behind = [t for t in pdf.document.find("Table") if "Upper limit" in t.words]
    assert behind
    for table in behind:
        headers = [th.words for th in table.find("THead")[0].find("TH")]
        assert headers[0] == "Month" and headers[2:] == ["Mean", "Lower limit", "Upper limit", "Special cause"]
    months = [row.find("TH")[0].words for table in behind for body in table.find("TBody") for row in body.find("TR")]
    assert len(months) == 48 and months[:2] == ["Dec 2024", "Jan 2025"] and months[23:25] == ["Nov 2026", "Dec 2024"]


def test_the_red_flag_table_is_headed_and_says_which_incident(client, issued, riverside_mso):
    red_flag = MedicationIncident.objects.get(physical_harm="severe")
    pdf = tagged_pdf(_pdf(client, issued, riverside_mso))

    red_flags = [t for t in pdf.document.find("Table") if "Why it is a red flag" in t.text]
    assert len(red_flags) == 1
    # Its caption, hidden on the page, is read with the table.
    assert [caption.words for caption in red_flags[0].find("Caption")] == [
        "Red-flag incidents and Never Events with their escalation"]
    row_headers = [th.words for th in red_flags[0].find("TBody")[0].find("TH")]
    assert len(row_headers) == 1 and row_headers[0] == f"{red_flag.reference} (open)"


def test_a_draft_with_no_incidents_at_all_is_still_tagged_and_says_so(client, riverside, riverside_mso):
    draft = services.board_report_prepare(organisation=riverside, month=date(2026, 11, 1))[0]

    pdf = tagged_pdf(_pdf(client, draft, riverside_mso))

    assert ua_problems(pdf) == []
    assert [text for _, text in headings(pdf)] == [text for _, text in SECTIONS]
    assert "DRAFT: NOT ISSUED" not in reading_text(pdf)  # the running header, in the page margins: not read
    assert in_order(reading_text(pdf), ["Draft: not issued.", "The MSO's narrative",
                                        "Not written yet.", "No red-flag incident or Never Event was reported"])
    assert all(figure.alt for figure in pdf.document.find("Figure"))
