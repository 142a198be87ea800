from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.domain import DomainError, NotAllowed
from mso_registry.models import ChangeOfDetailsRequest, Handover, HandoverItem, Role, RoleAssignment
from mso_registry.services import (
    HANDOVER_TRANSITIONS,
    handover_cancel,
    handover_complete,
    handover_item_update,
    handover_start,
    successor_invite,
)
from notifications.models import Notification
from tests.factories import RoleAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def successor(riverside):
    return UserFactory(email="new.mso@riverside.example", full_name="Dr New MSO")


@pytest.fixture
def handover(riverside_mso, riverside_director, riverside, successor):
    return handover_start(
        actor=riverside_mso, organisation=riverside, successor=successor, leaving_date=TODAY, successor_start_date=TODAY
    )


def _tick_required(handover, actor):
    for item in handover.items.filter(required=True, done=False):
        handover_item_update(actor=actor, item=item, done=True, evidence="Done and checked.")


def test_start_builds_the_checklist_with_owners_and_due_dates(handover, riverside_mso, riverside_director, successor):
    items = {i.code: i for i in handover.items.all()}
    assert items["mailbox"].owner == riverside_mso and items["mailbox"].due_date == TODAY
    assert items["reviewer_rights"].owner == riverside_director
    assert items["join_national_network"].owner == successor and items["join_national_network"].for_successor
    assert not items["join_national_network"].required
    # The change-of-details request is sent by the product at once, and its item shows the evidence.
    assert items["change_request"].done and "Change-of-details request #" in items["change_request"].evidence
    request = ChangeOfDetailsRequest.objects.get(detail=ChangeOfDetailsRequest.Detail.MSO)
    assert "Dr New MSO <new.mso@riverside.example>" in request.value_after


def test_start_emails_successor_and_director_once(handover, successor, riverside_director):
    assert Notification.objects.filter(recipient=successor.email, idempotency_key=f"handover-successor:{handover.pk}").count() == 1
    assert Notification.objects.filter(recipient=riverside_director.email, idempotency_key=f"handover-started-director:{handover.pk}").count() == 1


def test_only_the_mso_director_or_registry_start_a_handover(riverside_staff, riverside_mso, riverside, successor, hillside_mso):
    for outsider in (riverside_staff, hillside_mso):
        with pytest.raises(NotAllowed):
            handover_start(actor=outsider, organisation=riverside, successor=successor, leaving_date=TODAY, successor_start_date=TODAY)
    assert not Handover.objects.exists()


def test_a_gap_needs_a_covering_deputy(riverside_mso, riverside, successor):
    with pytest.raises(DomainError, match="name a deputy MSO to cover it"):
        handover_start(actor=riverside_mso, organisation=riverside, successor=successor,
                       leaving_date=TODAY, successor_start_date=TODAY + timedelta(days=10))
    deputy = UserFactory()
    RoleAssignmentFactory(user=deputy, organisation=riverside, role=Role.DEPUTY_MSO)
    handover = handover_start(actor=riverside_mso, organisation=riverside, successor=successor, leaving_date=TODAY,
                              successor_start_date=TODAY + timedelta(days=10), covering_deputy=deputy)
    assert handover.covering_deputy == deputy and handover.has_gap


def test_the_covering_deputy_must_be_a_current_deputy(riverside_mso, riverside, successor):
    with pytest.raises(DomainError, match="is not a current deputy MSO"):
        handover_start(actor=riverside_mso, organisation=riverside, successor=successor, leaving_date=TODAY,
                       successor_start_date=TODAY + timedelta(days=10), covering_deputy=UserFactory())


def test_one_handover_at_a_time(handover, riverside_mso, riverside):
    with pytest.raises(DomainError, match="already has a handover in progress"):
        handover_start(actor=riverside_mso, organisation=riverside, successor=UserFactory(), leaving_date=TODAY, successor_start_date=TODAY)


def test_the_successor_is_not_the_outgoing_mso(riverside_mso, riverside):
    with pytest.raises(DomainError):
        handover_start(actor=riverside_mso, organisation=riverside, successor=riverside_mso, leaving_date=TODAY, successor_start_date=TODAY)


def test_no_mso_no_handover(registry_admin, hillside, successor):
    with pytest.raises(DomainError, match="no current MSO"):
        handover_start(actor=registry_admin, organisation=hillside, successor=successor, leaving_date=TODAY, successor_start_date=TODAY)


def test_cannot_complete_with_required_items_open(handover, riverside_mso):
    with pytest.raises(DomainError, match="still open: Transfer ownership of the generic MSO mailbox"):
        handover_complete(actor=riverside_mso, handover=handover)
    assert RoleAssignment.objects.current().get(organisation=handover.organisation, role=Role.MSO).user == riverside_mso


def test_a_required_item_needs_evidence(handover, riverside_mso):
    item = handover.items.get(code="mailbox")
    with pytest.raises(DomainError, match="evidence"):
        handover_item_update(actor=riverside_mso, item=item, done=True, evidence=" ")


def test_only_the_owner_or_runners_tick_an_item(handover, riverside_staff, successor):
    item = handover.items.get(code="mailbox")
    with pytest.raises(NotAllowed):
        handover_item_update(actor=riverside_staff, item=item, done=True, evidence="x")
    with pytest.raises(NotAllowed):
        handover_item_update(actor=successor, item=item, done=True, evidence="x")
    own = handover.items.get(code="join_national_network")
    handover_item_update(actor=successor, item=own, done=True, evidence="Joined on FutureNHS")
    own.refresh_from_db()
    assert own.done and own.done_by == successor


def test_completing_moves_the_mso_role_in_one_step(handover, riverside_mso, riverside_director, successor, riverside):
    _tick_required(handover, riverside_mso)
    handover.items.filter(code="reviewer_rights").update(done=True, evidence="Given")
    handover_complete(actor=riverside_director, handover=handover)
    handover.refresh_from_db()
    assert handover.status == Handover.Status.COMPLETED
    old = RoleAssignment.objects.get(user=riverside_mso, role=Role.MSO)
    new = RoleAssignment.objects.current().get(organisation=riverside, role=Role.MSO)
    assert new.user == successor and new.start_date == TODAY
    assert old.end_date is not None and old.end_date <= new.start_date
    # The registry heard when the handover started, not again on completion.
    assert ChangeOfDetailsRequest.objects.filter(detail="mso").count() == 1
    assert Notification.objects.filter(idempotency_key=f"handover-completed-director:{handover.pk}").count() == 1


def test_cannot_complete_before_the_successor_starts(riverside_mso, riverside, successor):
    deputy = UserFactory()
    RoleAssignmentFactory(user=deputy, organisation=riverside, role=Role.DEPUTY_MSO)
    handover = handover_start(actor=riverside_mso, organisation=riverside, successor=successor, leaving_date=TODAY,
                              successor_start_date=TODAY + timedelta(days=5), covering_deputy=deputy)
    HandoverItem.objects.filter(handover=handover).update(done=True, evidence="ok")
    with pytest.raises(DomainError, match="You can complete the handover from .*, the successor.s start date"):
        handover_complete(actor=riverside_mso, handover=handover)


def test_finished_handovers_do_not_move(handover, riverside_mso):
    handover_cancel(actor=riverside_mso, handover=handover, reason="Successor withdrew")
    with pytest.raises(DomainError, match="cancelled cannot be completed"):
        handover_complete(actor=riverside_mso, handover=handover)
    with pytest.raises(DomainError):
        handover_cancel(actor=riverside_mso, handover=handover, reason="again")
    with pytest.raises(DomainError, match="finished"):
        handover_item_update(actor=riverside_mso, item=handover.items.first(), done=True, evidence="x")


def test_cancel_needs_a_reason_and_a_runner(handover, riverside_mso, successor):
    with pytest.raises(DomainError):
        handover_cancel(actor=riverside_mso, handover=handover, reason="")
    with pytest.raises(NotAllowed):
        handover_cancel(actor=successor, handover=handover, reason="I changed my mind")
    handover.refresh_from_db()
    assert handover.status == Handover.Status.IN_PROGRESS


def test_the_transitions_table():
    assert HANDOVER_TRANSITIONS == {
        Handover.Status.IN_PROGRESS: {Handover.Status.COMPLETED, Handover.Status.CANCELLED},
        Handover.Status.COMPLETED: set(),
        Handover.Status.CANCELLED: set(),
    }


def test_inviting_a_new_successor_sends_a_set_password_link(
    client, riverside_mso, riverside_director, riverside, mailoutbox, django_capture_on_commit_callbacks
):
    """The link is in the email the successor receives and works; the outbox never holds it in
    the clear, keeps it sealed only until the email is sent, and the director's copy has none."""
    import re

    from django.conf import settings

    from tests.factories import TEST_PASSWORD

    person, created = successor_invite(email="Brand.New@riverside.example", full_name="Dr Brand New")
    assert created and not person.has_usable_password()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        handover = handover_start(actor=riverside_mso, organisation=riverside, successor=person, leaving_date=TODAY,
                                  successor_start_date=TODAY, invited=True)
    row = Notification.objects.get(idempotency_key=f"handover-successor:{handover.pk}")
    director_copy = Notification.objects.get(idempotency_key=f"handover-started-director:{handover.pk}")
    # Before sending: sealed, and nowhere in clear text.
    for stored in (row, director_copy):
        assert "/accounts/password/reset/key/" not in str(stored.context) + stored.sealed_context
        assert "invitation_path" not in stored.context
    assert row.sealed_context and not director_copy.sealed_context
    for callback in callbacks:
        callback()

    sent = next(m for m in mailoutbox if m.to == [person.email])
    link = re.search(r"/accounts/password/reset/key/\S+", sent.body).group(0)
    assert settings.SITE_URL + link in sent.body and link in sent.alternatives[0][0]
    assert "/accounts/password/reset/key/" not in next(m for m in mailoutbox if m.to == [riverside_director.email]).body
    row.refresh_from_db()
    assert row.status == Notification.Status.SENT and row.sealed_context == ""

    # The link lets the successor choose a password and sign in with it.
    set_password = client.get(link)
    assert set_password.status_code == 302
    response = client.post(set_password["Location"], {"password1": TEST_PASSWORD + "new", "password2": TEST_PASSWORD + "new"})
    assert response.status_code == 302, response.content.decode()[:2000]
    person.refresh_from_db()
    assert person.check_password(TEST_PASSWORD + "new")

    again, created_again = successor_invite(email="brand.new@riverside.example", full_name="x")
    assert again == person and not created_again


# --- through the browser's URLs ---------------------------------------------------------------------


def test_handover_runs_end_to_end_through_the_pages(client, riverside_mso, riverside_director, riverside):
    client.force_login(riverside_mso)
    response = client.post(reverse("mso_registry:handover_start", args=["R9R"]), {
        "successor_email": "invitee@riverside.example", "successor_name": "Dr Invitee",
        "leaving_date": TODAY.isoformat(), "successor_start_date": TODAY.isoformat(),
    })
    handover = Handover.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("mso_registry:handover_detail", args=[handover.pk])
    for item in handover.items.filter(required=True, done=False):
        actor = riverside_director if item.owner == riverside_director else riverside_mso
        client.force_login(actor)
        client.post(reverse("mso_registry:handover_item_update", args=[item.pk]),
                    {f"item{item.pk}-done": "on", f"item{item.pk}-evidence": "Checked"})
    client.force_login(riverside_mso)
    client.post(reverse("mso_registry:handover_transition", args=[handover.pk, "complete"]))
    handover.refresh_from_db()
    assert handover.status == Handover.Status.COMPLETED
    assert RoleAssignment.objects.current().get(organisation=riverside, role=Role.MSO).user.email == "invitee@riverside.example"


def test_handover_form_errors_keep_what_was_typed(client, riverside_mso):
    client.force_login(riverside_mso)
    response = client.post(reverse("mso_registry:handover_start", args=["R9R"]), {
        "successor_email": "nobody@riverside.example", "successor_name": "",
        "leaving_date": "2026-13-45", "successor_start_date": TODAY.isoformat(),
    })
    assert response.status_code == 200
    assert "give their name to invite them" in response.text
    assert 'value="nobody@riverside.example"' in response.text
    assert not Handover.objects.exists()


def test_hillside_cannot_see_or_run_a_riverside_handover(client, handover, hillside_mso):
    client.force_login(hillside_mso)
    assert client.get(reverse("mso_registry:handover_detail", args=[handover.pk])).status_code == 404
    assert client.post(reverse("mso_registry:handover_transition", args=[handover.pk, "cancel"]), {"reason": "x"}).status_code == 404
    item = handover.items.first()
    assert client.post(reverse("mso_registry:handover_item_update", args=[item.pk]), {}).status_code == 404
    assert client.get(reverse("mso_registry:handover_start", args=["R9R"])).status_code == 404


def test_staff_cannot_start_a_handover(client, riverside_staff):
    client.force_login(riverside_staff)
    assert client.get(reverse("mso_registry:handover_start", args=["R9R"])).status_code == 403


def test_the_successor_sees_the_handover_before_joining(client, handover, successor):
    client.force_login(successor)
    assert client.get(reverse("mso_registry:handover_detail", args=[handover.pk])).status_code == 200
