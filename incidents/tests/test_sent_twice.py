"""A report is never doubled: the form carries a one-time key, and sending it again (a double click,
a retry after the "briefly unavailable" page) lands on the first report instead of making another."""

import threading
import time
from datetime import date
from unittest import mock

import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.db import OperationalError, connection
from django.urls import reverse

from audit.models import AuditEvent
from core.domain import NotAllowed
from incidents import services
from incidents.services import reporting
from incidents.models import MedicationIncident
from incidents.models import IncidentAction, LearningBulletin
from notifications.models import Notification
from submissions.models import SubmissionKey
from submissions.services import AlreadySubmitted, submission_key_new
from tests.submission_keys import KEY, both_at_once, key_on

from .conftest import report_values
from .test_report_form import URL, form_data

FOLLOW_UP = reverse("incidents:incident_follow_up")


def key_from(client) -> str:
    return key_on(client, URL)


def test_the_same_form_sent_twice_makes_one_report_and_lands_on_its_receipt(client, riverside_staff):
    client.force_login(riverside_staff)
    key = key_from(client)

    first = client.post(URL, form_data(submission_key=key))
    again = client.post(URL, form_data(submission_key=key), follow=True)

    incident = MedicationIncident.objects.get()
    receipt = reverse("incidents:incident_receipt", args=[incident.reference])
    assert first["Location"] == receipt and again.redirect_chain[-1][0] == receipt
    page = again.content.decode()
    assert f"already received as {incident.reference}" in page and "not been sent twice" in page
    assert AuditEvent.objects.filter(action="incident.reported").count() == 1
    assert SubmissionKey.objects.get().object_id == incident.pk


def test_each_showing_of_the_form_has_its_own_key_although_the_form_is_cached(client, riverside_staff):
    client.force_login(riverside_staff)

    keys = {key_from(client) for _ in range(3)}

    assert len(keys) == 3
    client.post(URL, form_data(submission_key=keys.pop()))
    client.post(URL, form_data(submission_key=keys.pop()))
    assert MedicationIncident.objects.count() == 2


def test_a_form_with_errors_keeps_what_was_typed_and_has_a_fresh_key(client, riverside_staff):
    client.force_login(riverside_staff)
    key = key_from(client)

    refused = client.post(URL, form_data(submission_key=key, department=""))

    assert refused.status_code == 200 and not MedicationIncident.objects.exists()
    assert KEY.search(refused.content.decode()).group(1) != key
    assert client.post(URL, form_data(submission_key=key)).status_code == 302  # nothing was made with it


def test_a_form_without_a_key_from_a_tab_opened_before_keys_still_reports(client, riverside_staff):
    client.force_login(riverside_staff)

    response = client.post(URL, form_data())

    assert response.status_code == 302
    assert MedicationIncident.objects.count() == 1 and not SubmissionKey.objects.exists()


def test_another_persons_key_is_refused_with_the_report_kept_on_the_page(client, riverside_staff, riverside_mso):
    """A shared ward PC: the next person presses Back and Send on someone else's form."""
    client.force_login(riverside_staff)
    key = key_from(client)
    client.post(URL, form_data(submission_key=key, anonymous="on"))
    client.force_login(riverside_mso)

    response = client.post(URL, form_data(submission_key=key, description="Second person's words."))

    page = response.content.decode()
    assert response.status_code == 200 and "opened by someone else" in page
    assert "Second person&#x27;s words." in page
    assert MedicationIncident.objects.count() == 1
    assert not AuditEvent.objects.filter(action="incident.follow_up_code_reissued").exists()


def test_an_anonymous_report_sent_again_shows_a_new_code_and_the_old_one_stops_working(client, riverside_staff):
    client.force_login(riverside_staff)
    key = key_from(client)
    first = client.post(URL, form_data(submission_key=key, anonymous="on"), follow=True)
    old_code = first.context["code"]

    again = client.post(URL, form_data(submission_key=key, anonymous="on"), follow=True)

    incident = MedicationIncident.objects.get()
    new_code = again.context["code"]
    assert new_code and new_code != old_code and new_code in again.content.decode()
    assert "no longer works" in again.content.decode()
    client.logout()
    assert client.post(FOLLOW_UP, {"reference": incident.reference, "code": old_code}).context["incident"] is None
    assert client.post(FOLLOW_UP, {"reference": incident.reference, "code": new_code}).context["incident"] == incident
    event = AuditEvent.objects.get(action="incident.follow_up_code_reissued")
    assert event.actor is None and riverside_staff.email not in str(event.changes) and old_code not in str(event.changes)


def test_a_new_code_is_only_for_the_form_that_sent_the_report(riverside_staff, riverside, make_incident):
    incident = make_incident(anonymous=True)
    stranger_key = submission_key_new(user=riverside_staff, purpose=services.REPORT_PURPOSE)

    with pytest.raises(NotAllowed):
        services.incident_follow_up_code_reissue(incident=incident, reporter=riverside_staff, submission_key=stranger_key)


def test_a_session_that_cannot_be_saved_after_the_commit_still_shows_the_receipt(client, riverside_staff):
    """The PostgreSQL restart's "told failed but saved": the report commits, then the database goes
    before the session middleware saves. The receipt's data was saved with the report."""
    client.force_login(riverside_staff)
    key = key_from(client)
    original = type(client.session).save
    in_transaction = []

    def save(session, must_create=False):
        if connection.in_atomic_block:
            in_transaction.append(True)
            return original(session, must_create)
        try:
            raise OperationalError("terminating connection due to administrator command")
        except OperationalError as error:
            raise UpdateError() from error

    with mock.patch.object(type(client.session), "save", save):
        response = client.post(URL, form_data(submission_key=key, anonymous="on"))

    incident = MedicationIncident.objects.get()
    assert response.status_code == 302 and in_transaction
    receipt = client.get(response["Location"])
    assert receipt.status_code == 200 and receipt.context["incident"] == incident and receipt.context["code"]


def test_a_session_lost_for_another_reason_is_still_an_error(client, riverside_staff):
    client.force_login(riverside_staff)
    client.raise_request_exception = False

    with mock.patch.object(type(client.session), "save", side_effect=UpdateError()):
        response = client.get(reverse("incidents:my_reports"))

    assert response.status_code == 400  # Django's "session interrupted", not a database that went away


@pytest.mark.django_db(transaction=True)
def test_two_requests_with_the_same_key_at_once_make_one_report(riverside, riverside_staff):
    """Both requests find no report for the key; the second then waits on the unique key until the
    first commits, and finds the first's report."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL; SQLite runs one writer at a time")
    key = submission_key_new(user=riverside_staff, purpose=services.REPORT_PURPOSE)
    first_claimed, second_waiting = threading.Event(), threading.Event()
    results, errors, waits_seen = {}, [], []
    real_claim, real_made = reporting.submission_claim, reporting.submission_made

    def claim(**kwargs):
        made = real_claim(**kwargs)
        if threading.current_thread().name == "first":
            first_claimed.set()
        return made

    def slow_made(claim, target):  # the first holds its claim open until the second waits on it
        if threading.current_thread().name == "first":
            second_waiting.wait(timeout=10)
        real_made(claim, target)

    def send(name):
        try:
            incident, _ = services.incident_report(
                reporter=riverside_staff, organisation=riverside, submission_key=key, **report_values()
            )
            results[name] = ("made", incident.pk)
        except AlreadySubmitted as first:
            results[name] = ("found", first.target.pk)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    def watch():
        from django.db import connections

        with connections["default"].cursor() as cursor:
            for _ in range(100):
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()")
                if cursor.fetchone()[0]:
                    waits_seen.append(True)
                    break
                time.sleep(0.05)
        second_waiting.set()
        connections["default"].close()

    with mock.patch.object(reporting, "submission_claim", claim), mock.patch.object(reporting, "submission_made", slow_made):
        first = threading.Thread(target=send, args=("first",), name="first")
        first.start()
        assert first_claimed.wait(timeout=10)
        second = threading.Thread(target=send, args=("second",), name="second")
        watcher = threading.Thread(target=watch)
        second.start()
        watcher.start()
        for thread in (first, second, watcher):
            thread.join(timeout=30)

    assert not errors, errors
    incident = MedicationIncident.objects.get()
    assert results == {"first": ("made", incident.pk), "second": ("found", incident.pk)}
    assert SubmissionKey.objects.count() == 1
    assert waits_seen, "the second request never waited on the first's key"


def test_an_action_sent_twice_is_added_once(client, make_incident, riverside_mso, riverside_staff):
    incident = make_incident()
    client.force_login(riverside_mso)
    page = reverse("incidents:incident_detail", args=[incident.reference])
    key = key_on(client, page)
    action = {"description": "Check insulin pens on every ward.", "owner": riverside_staff.pk,
              "due_date": "2030-01-31", "submission_key": key}
    url = reverse("incidents:incident_action_add", args=[incident.reference])

    client.post(url, action)
    again = client.post(url, action, follow=True)

    assert IncidentAction.objects.filter(incident=incident).count() == 1
    assert again.redirect_chain[-1][0] == page and "nothing has been done twice" in again.content.decode()
    assert AuditEvent.objects.filter(action="incident.action_added").count() == 1
    client.post(url, {**action, "submission_key": key_on(client, page)})  # a new showing is a new action
    assert IncidentAction.objects.filter(incident=incident).count() == 2


def test_a_bulletin_published_twice_from_the_same_page_says_so_and_emails_once(
    client, riverside, riverside_mso, riverside_staff
):
    bulletin = services.bulletin_create(actor=riverside_mso, organisation=riverside, title="Insulin", body="Write units.")
    client.force_login(riverside_mso)
    page = reverse("incidents:bulletin_detail", args=[bulletin.pk])
    key = key_on(client, page)
    url = reverse("incidents:bulletin_publish", args=[bulletin.pk])

    client.post(url, {"submission_key": key})
    emails = Notification.objects.count()
    again = client.post(url, {"submission_key": key}, follow=True)

    text = again.content.decode()
    assert "already published when you first pressed Publish" in text and "nobody is emailed twice" in text
    assert "alert-danger" not in text  # told it went, not that something failed
    assert Notification.objects.count() == emails > 0
    assert LearningBulletin.objects.get().status == LearningBulletin.Status.PUBLISHED
    # Without the key (another tab), the state still refuses a second publication, as an error.
    assert "already published" in client.post(url, follow=True).content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_actions_at_once_with_the_same_key_add_one(riverside, riverside_staff, riverside_mso):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL; SQLite runs one writer at a time")
    incident, _ = services.incident_report(reporter=riverside_staff, organisation=riverside, **report_values())
    key = submission_key_new(user=riverside_mso, purpose=f"{services.ACTION_PURPOSE}:{incident.pk}")

    outcomes = both_at_once(lambda: services.incident_action_add(
        incident=incident, actor=riverside_mso, description="Check pens.", owner=riverside_staff,
        due_date=date(2030, 1, 31), submission_key=key,
    ))

    action = IncidentAction.objects.get()
    assert outcomes == [("found", action.pk), ("made", action.pk)]


@pytest.mark.parametrize("key", ["x", "a:b", "\x00" * 3, "' OR 1=1 --", "ключ:подпись", "k" * 100_000])
def test_a_made_up_key_is_refused_clearly_and_the_report_kept(client, riverside_staff, key):
    client.force_login(riverside_staff)

    response = client.post(URL, form_data(submission_key=key))

    assert response.status_code == 200 and "opened by someone else" in response.content.decode()
    assert not MedicationIncident.objects.exists() and not SubmissionKey.objects.exists()
    assert "Insulin 40 units given" in response.content.decode()


def test_a_bulletin_draft_saved_twice_from_the_same_form_is_one_draft(client, riverside, riverside_mso):
    client.force_login(riverside_mso)
    url = reverse("incidents:bulletin_create")
    data = {"organisation": riverside.pk, "title": "Insulin", "body": "Write units in full.",
            "submission_key": key_on(client, url)}

    client.post(url, data)
    again = client.post(url, data, follow=True)

    bulletin = LearningBulletin.objects.get()
    assert again.redirect_chain[-1][0] == reverse("incidents:bulletin_detail", args=[bulletin.pk])
    assert "already saved when you first pressed Save" in again.content.decode()
