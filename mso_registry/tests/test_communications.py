"""National communications: recipients, sending once at scale, acknowledgement, reminders and the
board director told, and who may do each."""

import csv
import io
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from core.domain import DomainError, NotAllowed
from mso_registry.models import CommunicationRecipient, NationalCommunication, OrganisationType, Region, Role
from mso_registry.services import (
    communication_acknowledge,
    communication_create,
    communication_reminders_send,
    communication_send,
)
from mso_registry.tasks import send_communication_reminders
from notifications.models import Notification
from tests.factories import OrganisationFactory, RoleAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db
State = CommunicationRecipient.State


def _draft(actor, *, kind=NationalCommunication.Kind.ACTION_REQUIRED, **audience):
    return communication_create(
        actor=actor, title="Oral methotrexate: check weekly dosing", kind=kind,
        body="Check every prescription of oral methotrexate is weekly.",
        action_required_by=timezone.localdate() + timedelta(days=14) if kind == NationalCommunication.Kind.ACTION_REQUIRED else None,
        **audience,
    )


@pytest.fixture
def network(riverside, hillside):
    """Riverside and Hillside (Midlands trusts) plus a London trust, a London GP practice with no
    mailbox, and an ICB with Riverside in it."""
    icb = OrganisationFactory(ods_code="Q9Z", name="Riverside ICB", organisation_type=OrganisationType.ICB, region=Region.NORTH_WEST)
    riverside.icb = icb
    riverside.save()
    london = OrganisationFactory(ods_code="R9A", name="Thameside Hospitals", region=Region.LONDON)
    practice = OrganisationFactory(
        ods_code="L99001", name="Parkside Medical Centre", region=Region.LONDON,
        organisation_type=OrganisationType.GP_PRACTICE, generic_mso_email="",
    )
    return {"riverside": riverside, "hillside": hillside, "icb": icb, "london": london, "practice": practice}


def _codes(communication):
    return set(communication.recipients.values_list("organisation__ods_code", flat=True))


# --- recipients -------------------------------------------------------------------------------------


def test_all_organisations_receive_it_when_no_filter_is_chosen(registry_admin, network):
    communication = _draft(registry_admin)
    assert communication_send(actor=registry_admin, communication=communication) == 5
    assert _codes(communication) == {"R9R", "R9H", "Q9Z", "R9A", "L99001"}


@pytest.mark.parametrize(
    "audience, expected",
    [
        ({"region": Region.LONDON}, {"R9A", "L99001"}),
        ({"organisation_type": OrganisationType.GP_PRACTICE}, {"L99001"}),
        ({"region": Region.MIDLANDS, "organisation_type": OrganisationType.NHS_TRUST}, {"R9R", "R9H"}),
    ],
)
def test_recipients_filtered_by_region_and_type(registry_admin, network, audience, expected):
    communication = _draft(registry_admin, **audience)
    communication_send(actor=registry_admin, communication=communication)
    assert _codes(communication) == expected


def test_recipients_filtered_by_icb(registry_admin, network):
    communication = _draft(registry_admin, icb=network["icb"])
    communication_send(actor=registry_admin, communication=communication)
    assert _codes(communication) == {"R9R"}


def test_an_organisation_without_a_mailbox_is_reported_not_skipped(registry_admin, network, client):
    communication = _draft(registry_admin, region=Region.LONDON)
    client.force_login(registry_admin)
    preview = client.get(reverse("mso_registry:communication_detail", args=[communication.pk])).text
    assert "1 organisation has no generic MSO mailbox" in preview
    assert "Parkside Medical Centre (L99001)" in preview

    communication_send(actor=registry_admin, communication=communication)
    copy = communication.recipients.get(organisation=network["practice"])
    assert copy.mailbox == "" and copy.state == State.OUTSTANDING
    assert set(Notification.objects.values_list("recipient", flat=True)) == {"r9a.mso@nhs.example"}
    tracking = client.get(reverse("mso_registry:communication_detail", args=[communication.pk])).text
    assert "No mailbox: not emailed" in tracking
    assert "1 without a generic mailbox (not emailed)" in tracking


def test_each_mailbox_is_emailed_the_communication_on_commit(registry_admin, network, django_capture_on_commit_callbacks):
    communication = _draft(registry_admin, region=Region.MIDLANDS)
    with django_capture_on_commit_callbacks(execute=True):
        communication_send(actor=registry_admin, communication=communication)
    assert sorted(m.to[0] for m in mail.outbox) == ["r9h.mso@nhs.example", "r9r.mso@nhs.example"]
    message = mail.outbox[0]
    assert "Action required by" in message.alternatives[0].content
    assert "weekly" in message.body
    assert f"/organisations/communications/{communication.pk}/" in message.body


# --- sending once, at scale -----------------------------------------------------------------------------


def test_a_second_send_is_refused_and_writes_no_more_rows(registry_admin, network):
    communication = _draft(registry_admin)
    communication_send(actor=registry_admin, communication=communication)
    rows = set(Notification.objects.values_list("pk", flat=True))
    with pytest.raises(DomainError, match="already sent"):
        communication_send(actor=registry_admin, communication=communication)
    assert set(Notification.objects.values_list("pk", flat=True)) == rows
    assert communication.recipients.count() == 5


def test_a_second_click_on_send_shows_a_message_and_sends_nothing_more(registry_admin, network, client):
    communication = _draft(registry_admin)
    client.force_login(registry_admin)
    url = reverse("mso_registry:communication_send", args=[communication.pk])
    client.post(url)
    first = list(Notification.objects.order_by("pk").values_list("pk", "idempotency_key"))
    response = client.post(url, follow=True)
    assert "already sent" in response.text
    assert list(Notification.objects.order_by("pk").values_list("pk", "idempotency_key")) == first


def test_the_outbox_keys_are_per_communication_and_organisation(registry_admin, network):
    """Even if the status check were bypassed, the same communication and organisation is one row."""
    from notifications.services import notifications_queue_many

    communication = _draft(registry_admin, region=Region.MIDLANDS)
    communication_send(actor=registry_admin, communication=communication)
    row = Notification.objects.get(recipient="r9r.mso@nhs.example")
    assert row.idempotency_key == f"national-communication:{communication.pk}:{network['riverside'].pk}"
    again = notifications_queue_many([{
        "recipient": row.recipient, "subject": "x", "template": row.template, "context": {}, "idempotency_key": row.idempotency_key,
    }])
    assert again == [] and Notification.objects.count() == 2


def test_1500_organisations_are_queued_in_one_transaction_and_the_request_returns_without_sending(
    registry_admin, client, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    from mso_registry.models import Organisation

    Organisation.objects.bulk_create(
        Organisation(name=f"Practice {n:04d}", ods_code=f"Y{n:05d}", organisation_type=OrganisationType.GP_PRACTICE,
                     region=Region.NORTH_WEST, generic_mso_email=f"y{n:05d}.mso@nhs.example")
        for n in range(1500)
    )
    communication = _draft(registry_admin)
    client.force_login(registry_admin)
    url = reverse("mso_registry:communication_send", args=[communication.pk])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with django_assert_max_num_queries(60):
            response = client.post(url)
    assert response.status_code == 302
    assert Notification.objects.filter(status=Notification.Status.PENDING).count() == 1500
    assert CommunicationRecipient.objects.filter(communication=communication).count() == 1500
    assert mail.outbox == []  # nothing is delivered inside the request
    assert len(callbacks) == 1  # one Celery task for the lot, queued once the transaction commits


def test_the_batch_task_delivers_every_row_once_in_batches(registry_admin, network, django_capture_on_commit_callbacks):
    from unittest import mock

    from notifications import services as outbox
    from notifications.tasks import deliver_notification_batch

    communication = _draft(registry_admin)
    with mock.patch.object(outbox, "NOTIFICATION_BATCH_SIZE", 2), \
         mock.patch.object(deliver_notification_batch, "apply_async", wraps=deliver_notification_batch.apply_async) as batches:
        with django_capture_on_commit_callbacks(execute=True):
            communication_send(actor=registry_admin, communication=communication)
    assert batches.call_count == 2  # four mailboxes in batches of two
    assert len(mail.outbox) == 4
    outbox.notifications_deliver_batch(notification_ids=list(Notification.objects.values_list("pk", flat=True)))
    assert len(mail.outbox) == 4  # a batch delivered again sends nothing


# --- acknowledgement -------------------------------------------------------------------------------------


@pytest.fixture
def sent(registry_admin, network):
    communication = _draft(registry_admin, region=Region.MIDLANDS)
    communication_send(actor=registry_admin, communication=communication)
    return communication


def _copy(communication, organisation):
    return communication.recipients.get(organisation=organisation)


def test_mso_marks_received_then_complete_with_a_note(sent, riverside, riverside_mso):
    copy = communication_acknowledge(actor=riverside_mso, recipient=_copy(sent, riverside), state=State.RECEIVED)
    assert copy.state == State.RECEIVED and copy.received_by == riverside_mso
    copy = communication_acknowledge(actor=riverside_mso, recipient=copy, state=State.COMPLETED, note="All checked.")
    assert copy.state == State.COMPLETED and copy.action_note == "All checked."
    assert list(AuditEvent.objects.filter(action__startswith="communication.").values_list("action", flat=True).order_by("id")) == [
        "communication.drafted", "communication.sent", "communication.received", "communication.completed",
    ]
    assert Notification.objects.filter(idempotency_key=f"communication-completed:{copy.pk}").exists()


def test_completing_needs_a_note_and_a_finished_copy_cannot_move(sent, riverside, riverside_mso):
    copy = _copy(sent, riverside)
    with pytest.raises(DomainError, match="Say what was done"):
        communication_acknowledge(actor=riverside_mso, recipient=copy, state=State.COMPLETED, note=" ")
    communication_acknowledge(actor=riverside_mso, recipient=copy, state=State.COMPLETED, note="Done.")
    with pytest.raises(DomainError, match="already marked"):
        communication_acknowledge(actor=riverside_mso, recipient=copy, state=State.RECEIVED)


def test_a_safety_update_is_received_but_has_no_action_to_complete(registry_admin, network, riverside, riverside_mso):
    update = _draft(registry_admin, kind=NationalCommunication.Kind.SAFETY_UPDATE)
    communication_send(actor=registry_admin, communication=update)
    with pytest.raises(DomainError, match="asks for no action"):
        communication_acknowledge(actor=riverside_mso, recipient=_copy(update, riverside), state=State.COMPLETED, note="x")


def test_the_deputy_may_acknowledge(sent, riverside):
    deputy = UserFactory(email="deputy@riverside.example")
    RoleAssignmentFactory(user=deputy, organisation=riverside, role=Role.DEPUTY_MSO)
    assert communication_acknowledge(actor=deputy, recipient=_copy(sent, riverside), state=State.RECEIVED).state == State.RECEIVED


@pytest.mark.parametrize("role", [Role.STAFF, Role.SAFETY_TEAM, Role.BOARD_DIRECTOR])
def test_other_roles_of_the_organisation_may_not_acknowledge(sent, riverside, role):
    person = UserFactory()
    RoleAssignmentFactory(user=person, organisation=riverside, role=role)
    with pytest.raises(NotAllowed):
        communication_acknowledge(actor=person, recipient=_copy(sent, riverside), state=State.RECEIVED)


def test_another_organisations_mso_gets_a_404(sent, riverside, hillside_mso, client):
    client.force_login(hillside_mso)
    copy = _copy(sent, riverside)
    url = reverse("mso_registry:communication_acknowledge", args=[copy.pk, "received"])
    assert client.post(url).status_code == 404
    copy.refresh_from_db()
    assert copy.state == State.OUTSTANDING


def test_the_registry_administrator_reads_every_copy_but_answers_for_none(sent, riverside, registry_admin, client):
    client.force_login(registry_admin)
    url = reverse("mso_registry:communication_acknowledge", args=[_copy(sent, riverside).pk, "received"])
    assert client.post(url).status_code == 404


def test_staff_do_not_see_national_communications(sent, riverside_staff, client):
    client.force_login(riverside_staff)
    assert client.get(reverse("mso_registry:communication_detail", args=[sent.pk])).status_code == 404


def test_a_communication_not_sent_to_the_organisation_is_a_404(registry_admin, network, riverside_mso, client):
    london_only = _draft(registry_admin, region=Region.LONDON)
    communication_send(actor=registry_admin, communication=london_only)
    client.force_login(riverside_mso)
    assert client.get(reverse("mso_registry:communication_detail", args=[london_only.pk])).status_code == 404


def test_mso_acknowledges_and_completes_in_the_browser_pages(sent, riverside, riverside_mso, client):
    client.force_login(riverside_mso)
    detail = reverse("mso_registry:communication_detail", args=[sent.pk])
    page = client.get(detail).text
    assert "Mark as received" in page and "Oral methotrexate" in page
    copy = _copy(sent, riverside)
    client.post(reverse("mso_registry:communication_acknowledge", args=[copy.pk, "received"]))
    response = client.post(reverse("mso_registry:communication_acknowledge", args=[copy.pk, "completed"]),
                           {"note": "Pharmacy checked all 42 prescriptions."}, follow=True)
    assert "marked action complete" in response.text
    assert "Pharmacy checked all 42 prescriptions." in response.text


# --- only the registry administrator writes and sends ------------------------------------------------------


def test_only_the_registry_administrator_creates_and_sends(riverside_mso, registry_admin, network, client):
    with pytest.raises(NotAllowed):
        _draft(riverside_mso)
    communication = _draft(registry_admin)
    with pytest.raises(NotAllowed):
        communication_send(actor=riverside_mso, communication=communication)
    client.force_login(riverside_mso)
    assert client.get(reverse("mso_registry:communication_create")).status_code == 403
    assert client.post(reverse("mso_registry:communication_send", args=[communication.pk])).status_code == 403
    assert client.get(reverse("mso_registry:communication_export", args=[communication.pk, "csv"])).status_code == 403


def test_the_administrator_writes_a_communication_through_the_form(registry_admin, network, client):
    client.force_login(registry_admin)
    response = client.post(reverse("mso_registry:communication_create"), {
        "kind": "action_required", "title": "Check potassium storage", "body": "Quarantine strong potassium.",
        "action_required_by": "", "region": Region.LONDON,
    })
    assert "needs the date by which to act" in response.text
    response = client.post(reverse("mso_registry:communication_create"), {
        "kind": "action_required", "title": "Check potassium storage", "body": "Quarantine strong potassium.",
        "action_required_by": (timezone.localdate() + timedelta(days=7)).isoformat(), "region": Region.LONDON,
    }, follow=True)
    assert "Send to 2 organisations" in response.text
    assert "The generic MSO mailbox of every organisation in London" in response.text
    assert NationalCommunication.objects.get().audience == {"region": "london"}


# --- tracking -----------------------------------------------------------------------------------------------


def test_tracking_shows_who_is_outstanding_filters_and_exports(sent, riverside, riverside_mso, registry_admin, client):
    communication_acknowledge(actor=riverside_mso, recipient=_copy(sent, riverside), state=State.COMPLETED, note="Done.")
    client.force_login(registry_admin)
    url = reverse("mso_registry:communication_detail", args=[sent.pk])
    outstanding = client.get(url, {"state": "outstanding"}).text
    assert "Hillside Community" in outstanding and "Riverside University" not in outstanding
    export = client.get(reverse("mso_registry:communication_export", args=[sent.pk, "csv"]), {"state": "completed"})
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0][:2] == ["ODS code", "Organisation"]
    assert [r[0] for r in rows[1:]] == ["R9R"] and rows[1][10] == "Done."
    xlsx = client.get(reverse("mso_registry:communication_export", args=[sent.pk, "xlsx"]))
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_note_typed_as_a_formula_is_exported_as_text(sent, riverside, riverside_mso, registry_admin, client):
    communication_acknowledge(
        actor=riverside_mso, recipient=_copy(sent, riverside), state=State.COMPLETED, note="=HYPERLINK(\"http://x\")"
    )
    client.force_login(registry_admin)
    export = client.get(reverse("mso_registry:communication_export", args=[sent.pk, "csv"]), {"state": "completed"})
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[1][10] == "'=HYPERLINK(\"http://x\")"


def test_tracking_page_queries_do_not_grow_with_rows(registry_admin, client, django_assert_max_num_queries):
    from mso_registry.models import Organisation

    Organisation.objects.bulk_create(
        Organisation(name=f"Practice {n}", ods_code=f"Y{n:05d}", organisation_type=OrganisationType.GP_PRACTICE,
                     region=Region.NORTH_WEST, generic_mso_email=f"y{n}@nhs.example") for n in range(60)
    )
    communication = _draft(registry_admin)
    communication_send(actor=registry_admin, communication=communication)
    client.force_login(registry_admin)
    with django_assert_max_num_queries(15):
        assert client.get(reverse("mso_registry:communication_detail", args=[communication.pk])).status_code == 200


# --- reminders and the board director -------------------------------------------------------------------------


def _past_deadline(communication, days=1):
    NationalCommunication.objects.filter(pk=communication.pk).update(
        action_required_by=timezone.localdate() - timedelta(days=days)
    )


def test_reminder_after_the_deadline_then_the_board_director_each_once(sent, riverside, riverside_mso, riverside_director, hillside):
    assert communication_reminders_send() == {"reminded": 0, "directors_told": 0}  # not yet due
    _past_deadline(sent)
    send_communication_reminders.apply()
    second = send_communication_reminders()
    assert second == {"reminded": 0, "directors_told": 0}
    reminders = Notification.objects.filter(idempotency_key__startswith="communication-reminder:")
    assert set(reminders.values_list("recipient", flat=True)) == {
        "r9r.mso@nhs.example", "mso@riverside.example", "r9h.mso@nhs.example",
    }

    # A week after the reminder, the board director is told: once, however often beat runs.
    CommunicationRecipient.objects.update(reminded_at=timezone.now() - timedelta(days=8))
    assert communication_reminders_send() == {"reminded": 0, "directors_told": 2}
    assert communication_reminders_send() == {"reminded": 0, "directors_told": 0}
    told = Notification.objects.filter(idempotency_key__startswith="communication-director:")
    assert list(told.values_list("recipient", flat=True)) == ["director@riverside.example"]
    assert reminders.count() == 3


def test_a_completed_organisation_is_neither_reminded_nor_escalated(sent, riverside, riverside_mso, riverside_director):
    communication_acknowledge(actor=riverside_mso, recipient=_copy(sent, riverside), state=State.COMPLETED, note="Done.")
    _past_deadline(sent)
    communication_reminders_send()
    CommunicationRecipient.objects.update(reminded_at=timezone.now() - timedelta(days=8))
    communication_reminders_send()
    riverside_copy = _copy(sent, riverside)
    assert riverside_copy.reminded_at is None or riverside_copy.state == State.COMPLETED
    assert not Notification.objects.filter(recipient__in=["r9r.mso@nhs.example", "director@riverside.example"],
                                           idempotency_key__startswith="communication-r").exists()
    assert not Notification.objects.filter(recipient="director@riverside.example").exists()


def test_a_safety_update_has_no_reminders(registry_admin, network):
    update = _draft(registry_admin, kind=NationalCommunication.Kind.SAFETY_UPDATE)
    communication_send(actor=registry_admin, communication=update)
    assert communication_reminders_send() == {"reminded": 0, "directors_told": 0}


def test_the_beat_schedule_runs_the_reminders(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "mso_registry.tasks.send_communication_reminders" in tasks


# --- home page ---------------------------------------------------------------------------------------------------


def test_the_mso_sees_it_on_their_home_page_and_staff_do_not(sent, riverside_mso, riverside_staff, client):
    client.force_login(riverside_mso)
    home = client.get("/").text
    assert "National communications" in home and "Oral methotrexate" in home and "1 needs your action" in home
    client.force_login(riverside_staff)
    assert "Oral methotrexate" not in client.get("/").text


# --- who reaches the pages, and bad input ----------------------------------------------------------------------


def test_staff_see_no_communication_in_the_list_and_the_director_reads_it(sent, riverside_staff, riverside_director, client):
    client.force_login(riverside_staff)
    staff_list = client.get(reverse("mso_registry:communication_list"))
    assert staff_list.status_code == 200 and "Oral methotrexate" not in staff_list.text
    client.force_login(riverside_director)
    page = client.get(reverse("mso_registry:communication_list")).text
    assert "Oral methotrexate" in page


def test_a_note_too_long_is_refused_with_a_message_not_an_error(sent, riverside, riverside_mso, client):
    client.force_login(riverside_mso)
    copy = _copy(sent, riverside)
    response = client.post(reverse("mso_registry:communication_acknowledge", args=[copy.pk, "completed"]),
                           {"note": "x" * 4001}, follow=True)
    assert response.status_code == 200
    assert "This is 4,001 characters long; shorten it to 4,000 or fewer." in response.text
    copy.refresh_from_db()
    assert copy.state == State.OUTSTANDING


def test_an_unknown_acknowledgement_state_is_a_404(sent, riverside, riverside_mso, client):
    client.force_login(riverside_mso)
    url = reverse("mso_registry:communication_acknowledge", args=[_copy(sent, riverside).pk, "outstanding"])
    assert client.post(url).status_code == 404


def test_an_icb_filter_naming_an_organisation_that_is_not_an_icb_is_refused(registry_admin, network, client):
    with pytest.raises(DomainError, match="is not an ICB"):
        _draft(registry_admin, icb=network["london"])
    client.force_login(registry_admin)
    response = client.post(reverse("mso_registry:communication_create"), {
        "kind": "safety_update", "title": "Update", "body": "Text.", "icb": network["london"].pk,
    })
    assert response.status_code == 200 and "Select a valid choice" in response.text
    assert not NationalCommunication.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_sends_at_the_same_moment_send_once(registry_admin, network):
    """Two administrators (or two tabs) press Send together: the row lock lets one through."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises writers anyway")
    communication = _draft(registry_admin)
    barrier, outcomes = threading.Barrier(2), []

    def press_send():
        try:
            barrier.wait()
            outcomes.append(communication_send(actor=registry_admin, communication=communication))
        except DomainError as error:
            outcomes.append(str(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=press_send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(outcomes) == 2
    assert 5 in outcomes and any("already sent" in str(o) for o in outcomes)
    assert communication.recipients.count() == 5
    assert Notification.objects.filter(idempotency_key__startswith=f"national-communication:{communication.pk}:").count() == 4


# --- demo data ----------------------------------------------------------------------------------------------------


def test_the_demo_has_a_sent_alert_and_a_published_bulletin_made_once():
    from incidents import demo as incidents_demo
    from incidents.models import LearningBulletin
    from mso_registry import demo

    for _ in range(2):
        demo.seed(password="demo-test-password")
        incidents_demo.seed(size=10)
    alert = NationalCommunication.objects.get(kind=NationalCommunication.Kind.ACTION_REQUIRED)
    assert alert.status == NationalCommunication.Status.SENT
    assert alert.recipients.filter(organisation__ods_code="R9R", state=State.OUTSTANDING).exists()
    assert alert.recipients.filter(state=State.RECEIVED).exists()
    assert NationalCommunication.objects.count() == 2
    bulletin = LearningBulletin.objects.get()
    assert bulletin.status == LearningBulletin.Status.PUBLISHED and bulletin.incidents.exists()
    keys = list(Notification.objects.values_list("idempotency_key", flat=True))
    assert len(keys) == len(set(keys))


def test_the_recipients_are_described_in_words(network):
    from mso_registry.selectors import audience_description

    assert audience_description({}) == "every organisation"
    assert audience_description({"organisation_type": OrganisationType.GP_PRACTICE, "region": Region.LONDON}) == (
        "every GP practice in London"
    )
    assert audience_description({"icb": network["icb"].pk}) == "every organisation in Riverside ICB"


def test_send_pressed_again_on_the_same_page_says_it_went_and_sends_nothing_more(registry_admin, network, client):
    """A retry after the "briefly unavailable" page: the same key, so the sender is told it went."""
    from tests.submission_keys import key_on

    communication = _draft(registry_admin)
    client.force_login(registry_admin)
    key = key_on(client, reverse("mso_registry:communication_detail", args=[communication.pk]))
    url = reverse("mso_registry:communication_send", args=[communication.pk])
    client.post(url, {"submission_key": key})
    first = list(Notification.objects.order_by("pk").values_list("pk", flat=True))

    response = client.post(url, {"submission_key": key}, follow=True)

    assert "already sent when you first pressed Send" in response.text and "alert-danger" not in response.text
    assert list(Notification.objects.order_by("pk").values_list("pk", flat=True)) == first
    assert communication.recipients.count() == 5


def test_a_draft_saved_twice_from_the_same_form_is_one_draft(registry_admin, network, client):
    from tests.submission_keys import key_on

    client.force_login(registry_admin)
    url = reverse("mso_registry:communication_create")
    data = {"kind": "safety_update", "title": "Insulin pens", "body": "Check your stock.", "submission_key": key_on(client, url)}

    first = client.post(url, data)
    again = client.post(url, data, follow=True)

    communication = NationalCommunication.objects.get()
    assert again.redirect_chain[-1][0] == first["Location"] == reverse("mso_registry:communication_detail", args=[communication.pk])
    assert "already saved when you first pressed Save" in again.text
