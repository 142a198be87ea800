"""Local learning bulletins: built from closed incidents without reporter or patient details,
published by the MSO team only, on staff home pages, read counted once."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils.html import escape

from core.domain import DomainError, NotAllowed
from incidents import services
from incidents.models import BulletinRead, LearningBulletin, Status
from notifications.models import Notification

pytestmark = pytest.mark.django_db

NHS_NUMBER = "9434765919"


@pytest.fixture
def closed_incident(make_incident, riverside_mso):
    incident = make_incident(
        nhs_number=NHS_NUMBER, description="Mrs Jane Example in bed 4 missed her dose.", department="Ward 7",
    )
    services.incident_transition(incident=incident, actor=riverside_mso, transition="start_review")
    services.incident_grade(incident=incident, actor=riverside_mso, physical_harm="none", psychological_harm="none")
    services.incident_learning_record(incident=incident, actor=riverside_mso, learning_summary="Stock list updated.")
    services.incident_transition(incident=incident, actor=riverside_mso, transition="close")
    incident.refresh_from_db()
    assert incident.status == Status.CLOSED
    return incident


@pytest.fixture
def bulletin(riverside, riverside_mso, closed_incident):
    return services.bulletin_create(
        actor=riverside_mso, organisation=riverside, title="Omitted doses: what we learned",
        body="Check stock before the drug round.", incidents=[closed_incident],
    )


def test_a_bulletin_page_and_email_hide_reporter_and_patient_details(
    bulletin, riverside_mso, riverside_staff, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.bulletin_publish(actor=riverside_mso, bulletin=bulletin)
    client.force_login(riverside_staff)
    page = client.get(reverse("incidents:bulletin_detail", args=[bulletin.pk])).text
    assert "Stock list updated." in page and "Omitted or delayed dose" in page and "Paracetamol" in page
    emails = [m for m in mail.outbox if "Omitted doses" in m.subject]
    assert emails
    main = page.split('id="main-content"')[1]  # the header names the signed-in reader, who reported it
    for text in [main] + [m.body for m in emails] + [m.alternatives[0].content for m in emails]:
        assert NHS_NUMBER not in text
        assert "Mrs Jane Example" not in text  # the description may name the patient
        assert "Ward 7" not in text
        assert riverside_staff.email not in text and riverside_staff.full_name not in text
        assert escape(riverside_staff.full_name) not in text  # as a page writes an O'Brien
        assert bulletin.incidents.get().reference not in text


def test_reporter_name_is_not_in_the_bulletin_body_area(bulletin, riverside_mso, riverside_staff, client):
    services.bulletin_publish(actor=riverside_mso, bulletin=bulletin)
    client.force_login(riverside_mso)  # the reporter's name would appear only if the page showed it
    page = client.get(reverse("incidents:bulletin_detail", args=[bulletin.pk])).text
    assert riverside_staff.full_name not in page and riverside_staff.email not in page
    assert escape(riverside_staff.full_name) not in page  # as a page writes an O'Brien


def test_only_closed_incidents_of_the_organisation_may_be_used(make_incident, riverside, riverside_mso):
    open_incident = make_incident()
    with pytest.raises(DomainError, match="closed incidents only"):
        services.bulletin_create(actor=riverside_mso, organisation=riverside, title="T", body="B", incidents=[open_incident])


def test_publishing_emails_everyone_at_the_organisation_once(bulletin, riverside_mso, riverside_staff, riverside_director):
    assert services.bulletin_publish(actor=riverside_mso, bulletin=bulletin) == 3
    with pytest.raises(DomainError, match="already published"):
        services.bulletin_publish(actor=riverside_mso, bulletin=bulletin)
    keys = Notification.objects.filter(idempotency_key__startswith=f"bulletin:{bulletin.pk}:")
    assert set(keys.values_list("recipient", flat=True)) == {
        riverside_mso.email, riverside_staff.email, riverside_director.email,
    }


@pytest.mark.parametrize("role_fixture", ["riverside_staff", "riverside_director"])
def test_only_the_mso_team_writes_and_publishes(bulletin, riverside, request, role_fixture, client):
    person = request.getfixturevalue(role_fixture)
    with pytest.raises(NotAllowed):
        services.bulletin_create(actor=person, organisation=riverside, title="T", body="B")
    with pytest.raises(NotAllowed):
        services.bulletin_publish(actor=person, bulletin=bulletin)
    client.force_login(person)
    assert client.get(reverse("incidents:bulletin_create")).status_code == 403
    # A draft is not shown to them at all.
    assert client.post(reverse("incidents:bulletin_publish", args=[bulletin.pk])).status_code == 404


def test_another_organisations_mso_gets_a_404(bulletin, riverside_mso, hillside_mso, client):
    services.bulletin_publish(actor=riverside_mso, bulletin=bulletin)
    client.force_login(hillside_mso)
    assert client.get(reverse("incidents:bulletin_detail", args=[bulletin.pk])).status_code == 404
    assert client.post(reverse("incidents:bulletin_publish", args=[bulletin.pk])).status_code == 404


def test_only_the_mso_team_sees_read_counts(bulletin, riverside_mso, riverside_staff, client):
    services.bulletin_publish(actor=riverside_mso, bulletin=bulletin)
    client.force_login(riverside_staff)
    assert "Who has read it" not in client.get(reverse("incidents:bulletin_detail", args=[bulletin.pk])).text
    client.force_login(riverside_mso)
    assert "Who has read it" in client.get(reverse("incidents:bulletin_detail", args=[bulletin.pk])).text


def test_staff_see_it_on_their_home_page_and_reading_counts_once(bulletin, riverside_mso, riverside_staff, client):
    services.bulletin_publish(actor=riverside_mso, bulletin=bulletin)
    client.force_login(riverside_staff)
    home = client.get("/").text
    assert "Omitted doses: what we learned" in home and "1 new" in home
    url = reverse("incidents:bulletin_detail", args=[bulletin.pk])
    client.get(url)
    client.get(url)
    assert BulletinRead.objects.filter(bulletin=bulletin).count() == 1
    assert "1 new" not in client.get("/").text
    client.force_login(riverside_mso)
    page = client.get(url)  # the MSO's own visit counts too: they work there
    assert page.context["figures"] == {"read": 2, "audience": 2, "read_by_anyone": 2}
    assert "<strong>2 of 2</strong> people" in page.text


def test_a_draft_is_not_on_staff_home_pages_and_reading_it_does_not_count(bulletin, riverside_mso, riverside_staff, client):
    client.force_login(riverside_staff)
    assert "Omitted doses" not in client.get("/").text
    client.force_login(riverside_mso)
    client.get(reverse("incidents:bulletin_detail", args=[bulletin.pk]))
    assert not BulletinRead.objects.exists()
    assert LearningBulletin.objects.get().status == LearningBulletin.Status.DRAFT


def test_the_mso_writes_a_bulletin_through_the_form(riverside, riverside_mso, closed_incident, client):
    client.force_login(riverside_mso)
    form_page = client.get(reverse("incidents:bulletin_create")).text
    assert closed_incident.reference in form_page
    response = client.post(reverse("incidents:bulletin_create"), {
        "organisation": riverside.pk, "title": "Learning from March", "body": "Double-check insulin doses.",
        "incidents": [closed_incident.pk],
    }, follow=True)
    assert "Publish to" in response.text
    assert list(LearningBulletin.objects.get().incidents.all()) == [closed_incident]


def test_the_list_shows_read_counts_to_the_mso_team_only(bulletin, riverside_mso, riverside_staff, client):
    services.bulletin_publish(actor=riverside_mso, bulletin=bulletin)
    client.force_login(riverside_staff)
    client.get(reverse("incidents:bulletin_detail", args=[bulletin.pk]))
    staff_list = client.get(reverse("incidents:bulletin_list")).text
    assert "Omitted doses: what we learned" in staff_list and "read by" not in staff_list
    client.force_login(riverside_mso)
    assert "read by 1 person" in client.get(reverse("incidents:bulletin_list")).text


def test_another_organisations_mso_does_not_see_it_listed(bulletin, riverside_mso, hillside_mso, client):
    services.bulletin_publish(actor=riverside_mso, bulletin=bulletin)
    client.force_login(hillside_mso)
    assert "Omitted doses" not in client.get(reverse("incidents:bulletin_list")).text
    assert "Omitted doses" not in client.get("/").text


def test_the_form_offers_closed_incidents_only_newest_first_and_at_most_the_limit(
    make_incident, riverside_mso, client, monkeypatch
):
    from django.utils import timezone

    from incidents.models import MedicationIncident
    from incidents.selectors import bulletins

    oldest, middle, newest, still_open = (make_incident() for _ in range(4))
    now = timezone.now()
    for days_ago, incident in ((30, oldest), (20, middle), (10, newest)):
        MedicationIncident.objects.filter(pk=incident.pk).update(status=Status.CLOSED, closed_at=now - timezone.timedelta(days=days_ago))
    monkeypatch.setattr(bulletins, "BULLETIN_INCIDENT_CHOICES", 2)
    client.force_login(riverside_mso)
    page = client.get(reverse("incidents:bulletin_create")).text
    assert newest.reference in page and middle.reference in page
    assert page.index(newest.reference) < page.index(middle.reference)
    assert oldest.reference not in page and still_open.reference not in page


def test_a_bulletin_cannot_be_built_from_an_open_incident_through_the_form(make_incident, riverside, riverside_mso, client):
    open_incident = make_incident()
    client.force_login(riverside_mso)
    response = client.post(reverse("incidents:bulletin_create"), {
        "organisation": riverside.pk, "title": "T", "body": "B", "incidents": [open_incident.pk],
    })
    assert response.status_code == 200 and "Choose from the closed incidents listed" in response.text
    assert not LearningBulletin.objects.exists()


def test_a_bulletin_without_a_title_is_refused_with_a_message(riverside, riverside_mso, client):
    client.force_login(riverside_mso)
    response = client.post(reverse("incidents:bulletin_create"), {"organisation": riverside.pk, "title": "", "body": "B"})
    assert "Give the bulletin a title." in response.text
    assert not LearningBulletin.objects.exists()
