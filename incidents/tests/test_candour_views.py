"""The duty of candour pages: who sees them, each step through the form, the letter as PDF."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from incidents import services
from incidents.models import CandourRecord


@pytest.fixture
def notifiable(make_incident, riverside_mso):
    incident = make_incident(occurred_at=timezone.now() - timedelta(days=1),
                             medicines=[{"name": "Insulin aspart", "route": "subcutaneous", "dose": "40 units"}])
    services.incident_grade(incident=incident, actor=riverside_mso, physical_harm="moderate", psychological_harm="none",
                            note="Needed a glucose infusion.")
    return incident


def url(name, incident):
    return reverse(f"incidents:{name}", args=[incident.reference])


def test_the_incident_page_shows_the_duty_and_links_to_it(client, notifiable, riverside_mso):
    client.force_login(riverside_mso)
    page = client.get(url("incident_detail", notifiable)).content.decode()
    assert "Duty of candour" in page and url("candour_detail", notifiable) in page and "To tell in person" in page


def test_the_reporter_and_another_organisation_cannot_open_the_record(client, notifiable, riverside_staff, hillside_mso):
    client.force_login(riverside_staff)
    assert client.get(url("candour_detail", notifiable)).status_code == 403
    client.force_login(hillside_mso)
    assert client.get(url("candour_detail", notifiable)).status_code == 404
    assert client.post(url("candour_in_person", notifiable), {}).status_code == 404


def test_mso_records_in_person_and_sends_the_letter(client, notifiable, riverside_mso):
    client.force_login(riverside_mso)
    today = timezone.localdate().isoformat()
    response = client.post(url("candour_in_person", notifiable), {
        "relevant_person": "the patient", "told_on": today, "told_by": "Dr A Shah", "apology_given": "on",
        "note": "Explained and apologised."})
    assert response.status_code == 302
    page = client.get(url("candour_detail", notifiable)).content.decode()
    assert "Dear the patient" in page and "Insulin aspart" in page  # the draft letter
    response = client.post(url("candour_letter", notifiable), {"letter_text": "Dear Mr Patel,\nWe are sorry.",
                                                                "sent_on": today, "send": "1"}, follow=True)
    assert "complete, in time" in response.content.decode()
    record = CandourRecord.objects.get(incident=notifiable)
    assert record.letter_text.startswith("Dear Mr Patel") and record.completed_in_time


def test_a_refused_step_keeps_what_was_typed(client, notifiable, riverside_mso):
    client.force_login(riverside_mso)
    response = client.post(url("candour_in_person", notifiable), {
        "relevant_person": "the patient's wife", "told_on": timezone.localdate().isoformat(), "told_by": "Sister Lee",
        "note": "We talked on the ward about what happened."})
    assert response.status_code == 400
    page = response.content.decode()
    assert "apology" in page and "We talked on the ward about what happened." in page and "Sister Lee" in page


def test_sending_without_a_date_asks_for_it(client, notifiable, riverside_mso):
    client.force_login(riverside_mso)
    response = client.post(url("candour_letter", notifiable), {"letter_text": "Dear ...", "send": "1"})
    assert response.status_code == 400 and "Give the date the letter was sent" in response.content.decode()


def test_the_letter_pdf_says_what_the_letter_says(client, notifiable, riverside_mso):
    client.force_login(riverside_mso)
    client.post(url("candour_letter", notifiable), {"letter_text": "Dear Mrs Okafor,\nWe are sorry about the insulin.",
                                                    "save": "1"})
    response = client.get(url("candour_letter_pdf", notifiable))
    assert response["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Dear Mrs Okafor" in text and "Draft: not yet sent" in text and notifiable.reference in text


def test_a_not_notifiable_incident_says_the_duty_does_not_apply(client, make_incident, riverside_mso):
    incident = make_incident()
    client.force_login(riverside_mso)
    assert "does not apply" in client.get(url("candour_detail", incident)).content.decode()
    response = client.post(url("candour_in_person", incident), {}, follow=True)
    assert "does not apply" in response.content.decode()


def _make_overdue(incident):
    CandourRecord.objects.filter(incident=incident).update(due_date=timezone.localdate() - timedelta(days=1))


def test_overdue_candour_shows_on_the_mso_home_page(client, notifiable, riverside_mso):
    client.force_login(riverside_mso)
    assert "Duty of candour overdue" not in client.get(reverse("home")).content.decode()
    _make_overdue(notifiable)
    page = client.get(reverse("home")).content.decode()
    assert "Duty of candour overdue" in page and notifiable.reference in page and "?candour=overdue" in page


def test_the_review_queue_filters_overdue_candour(client, notifiable, make_incident, riverside_mso):
    other = make_incident()
    client.force_login(riverside_mso)
    queue = reverse("incidents:review_queue")
    to_do = client.get(queue, {"candour": "open"}).content.decode()
    assert notifiable.reference in to_do and other.reference not in to_do
    assert notifiable.reference not in client.get(queue, {"candour": "overdue"}).content.decode()
    assert "Candour by" in to_do
    _make_overdue(notifiable)
    overdue = client.get(queue, {"candour": "overdue"}).content.decode()
    assert notifiable.reference in overdue and "Candour overdue" in overdue


def test_the_dashboard_gives_the_share_done_in_time_per_month(notifiable, make_incident, riverside, riverside_mso):
    from incidents import candour_services, selectors

    late = make_incident(occurred_at=timezone.now() - timedelta(days=1))
    services.incident_grade(incident=late, actor=riverside_mso, physical_harm="severe", psychological_harm="none", note="Severe.")
    pending = make_incident()
    services.incident_grade(incident=pending, actor=riverside_mso, physical_harm="moderate", psychological_harm="none", note="Mod.")
    candour_services.candour_not_possible(record=CandourRecord.objects.get(incident=notifiable), actor=riverside_mso,
                                          reason="declined", note="Declined on the ward.", recorded_on=timezone.localdate())
    _make_overdue(late)

    [row] = selectors.dashboard(organisation=riverside)["candour"]

    assert (row["notifiable"], row["in_time"], row["overdue"], row["not_yet_due"]) == (3, 1, 1, 1)
    assert row["share_in_time"] == 50  # one in time of the two whose due date has come
