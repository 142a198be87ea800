"""The report's pages: who sees them, what they say, and what a form sent wrongly gets back."""

from datetime import date

import pytest
from django.urls import reverse

from board_reports import services
from board_reports.models import BoardReport, BoardReportStatus
from tests.factories import RoleAssignmentFactory, UserFactory
from mso_registry.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(riverside, riverside_mso):
    return services.board_report_prepare(organisation=riverside, month=date(2026, 11, 1))[0]


def url(name, report):
    return reverse(f"board_reports:{name}", args=[report.pk])


def test_mso_sees_the_draft_with_charts_and_the_narrative_form(client, draft, riverside_mso, incident_in):
    incident_in(date(2026, 11, 4))
    client.force_login(riverside_mso)
    page = client.get(url("report_detail", draft)).content.decode()
    assert "Medication safety report: November 2026" in page
    assert "Reports per month" in page and "Incidents causing harm per month" in page
    assert "<desc id=" in page and "The numbers behind this chart" in page
    assert "Issue to the board director" in page
    assert "No board director is named" in page


def test_another_organisations_mso_and_director_get_404(client, draft, hillside, hillside_mso):
    director = UserFactory(email="director@hillside.example")
    RoleAssignmentFactory(user=director, organisation=hillside, role=Role.BOARD_DIRECTOR)
    for person in (hillside_mso, director):
        client.force_login(person)
        for name in ("report_detail", "report_pdf"):
            assert client.get(url(name, draft)).status_code == 404
        for name in ("report_narrative", "report_issue", "report_acknowledge"):
            assert client.post(url(name, draft), {"narrative": "x"}).status_code == 404
    draft.refresh_from_db()
    assert draft.status == BoardReportStatus.DRAFT and draft.narrative == ""


def test_staff_of_the_same_organisation_cannot_read_it(client, draft, riverside_staff):
    client.force_login(riverside_staff)
    assert client.get(url("report_detail", draft)).status_code == 404
    assert client.get(reverse("board_reports:report_list")).status_code == 403


def test_issue_without_a_director_says_nobody_was_emailed(client, draft, riverside_mso):
    client.force_login(riverside_mso)
    response = client.post(url("report_issue", draft), {"narrative": "Reporting rose."}, follow=True)
    page = response.content.decode()
    assert "has no board director named, so nobody was emailed" in page
    assert "Emailed to the board director" not in page
    draft.refresh_from_db()
    assert draft.status == BoardReportStatus.ISSUED and draft.content_hash in page


def test_issue_with_a_director_names_who_was_emailed(client, draft, riverside_mso, riverside_director):
    client.force_login(riverside_mso)
    page = client.post(url("report_issue", draft), {"narrative": "Reporting rose."}, follow=True).content.decode()
    assert "Emailed to the board director (director@riverside.example)" in page


def test_issuing_twice_says_it_was_already_issued(client, draft, riverside_mso):
    client.force_login(riverside_mso)
    client.post(url("report_issue", draft), {"narrative": "First."})
    page = client.post(url("report_issue", draft), {"narrative": "Second."}, follow=True).content.decode()
    assert "already issued; nothing has changed" in page
    draft.refresh_from_db()
    assert draft.narrative == "First."


def test_too_long_a_narrative_comes_back_with_the_text_and_the_reason(client, draft, riverside_mso):
    client.force_login(riverside_mso)
    text = "Long. " * 1100
    response = client.post(url("report_issue", draft), {"narrative": text})
    assert response.status_code == 400
    page = response.content.decode()
    assert "shorten it to 6,000 or fewer" in page and "Long. Long." in page
    draft.refresh_from_db()
    assert draft.status == BoardReportStatus.DRAFT


def test_director_acknowledges_from_the_page(client, draft, riverside_mso, riverside_director):
    services.board_report_issue(report=draft, actor=riverside_mso, narrative="Read me.")
    client.force_login(riverside_director)
    page = client.get(url("report_detail", draft)).content.decode()
    assert "Acknowledge the report" in page and "Issue to the board director" not in page
    page = client.post(url("report_acknowledge", draft), {"comment": "Noted."}, follow=True).content.decode()
    assert "Acknowledged; the MSO team has been told." in page
    assert BoardReport.objects.get().status == BoardReportStatus.ACKNOWLEDGED


def test_mso_may_prepare_last_months_draft_now_once(client, riverside, riverside_mso):
    client.force_login(riverside_mso)
    first = client.post(reverse("board_reports:report_prepare"), {"organisation": riverside.pk}, follow=True)
    again = client.post(reverse("board_reports:report_prepare"), {"organisation": riverside.pk}, follow=True)
    assert BoardReport.objects.count() == 1
    assert "is ready" in first.content.decode() and "was already prepared" in again.content.decode()


def test_national_view_is_for_the_registry_administrator(client, registry_admin, riverside_mso):
    client.force_login(riverside_mso)
    assert client.get(reverse("board_reports:national_spc")).status_code == 403
    client.force_login(registry_admin)
    page = client.get(reverse("board_reports:national_spc")).content.decode()
    assert "England" in page and "North East and Yorkshire" in page


def test_pdf_of_an_issued_report_is_a_pdf(client, draft, riverside_mso):
    services.board_report_issue(report=draft, actor=riverside_mso, narrative="For the PDF.")
    client.force_login(riverside_mso)
    response = client.get(url("report_pdf", draft))
    if response.status_code == 302:
        pytest.skip("This server cannot render PDFs (no Pango).")
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
