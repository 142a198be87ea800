import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from audit.models import AuditEvent
from audit.services import audit_record, verify_chain
from mso_registry.models import Role
from mso_registry.services import organisation_update, role_assign
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _some_history(registry_admin, riverside):
    role_assign(actor=registry_admin, user=UserFactory(), role=Role.STAFF, organisation=riverside)
    organisation_update(actor=registry_admin, organisation=riverside, generic_mso_email="new.mso@nhs.example")
    role_assign(actor=registry_admin, user=UserFactory(), role=Role.CSO, organisation=riverside)


def test_each_change_records_who_what_and_before_after(registry_admin, riverside):
    organisation_update(actor=registry_admin, organisation=riverside, generic_mso_email="new.mso@nhs.example")
    event = AuditEvent.objects.get(action="organisation.updated")
    assert event.actor == registry_admin
    assert event.actor_email == "registry@medsafety.example"
    assert event.organisation == riverside
    assert event.changes == {"generic_mso_email": ["r9r.mso@nhs.example", "new.mso@nhs.example"]}


def test_unchanged_save_writes_no_event(registry_admin, riverside):
    organisation_update(actor=registry_admin, organisation=riverside, name=riverside.name)
    assert not AuditEvent.objects.filter(action="organisation.updated").exists()


def test_chain_links_each_event_to_the_one_before(registry_admin, riverside):
    _some_history(registry_admin, riverside)
    events = list(AuditEvent.objects.order_by("sequence"))
    assert [e.sequence for e in events] == list(range(1, len(events) + 1))
    for before, after in zip(events, events[1:]):
        assert after.prev_hash == before.hash
    assert verify_chain() == (len(events), None)


def test_audit_record_refuses_to_run_outside_a_transaction(registry_admin, riverside, django_db_blocker):
    # pytest-django wraps each test in a transaction, so leave it for this check.
    connection = transaction.get_connection()
    saved = connection.in_atomic_block
    connection.in_atomic_block = False
    try:
        with pytest.raises(RuntimeError):
            audit_record(actor=registry_admin, action="x", target=riverside, changes={})
    finally:
        connection.in_atomic_block = saved


def test_audit_events_cannot_be_changed_through_the_model(registry_admin, riverside):
    _some_history(registry_admin, riverside)
    event = AuditEvent.objects.first()
    with pytest.raises(Exception):
        event.action = "something.else"
        event.save()
    with pytest.raises(Exception):
        event.delete()


def test_verify_audit_reports_an_edited_record(registry_admin, riverside):
    _some_history(registry_admin, riverside)
    call_command("verify_audit")  # intact
    target = AuditEvent.objects.order_by("sequence")[1]
    # A tamperer with database access goes round the model.
    AuditEvent.objects.filter(pk=target.pk).update(changes={"generic_mso_email": ["a", "b"]})
    with pytest.raises(CommandError, match=f"event #{target.sequence} was changed"):
        call_command("verify_audit")


def test_verify_audit_reports_a_deleted_record(registry_admin, riverside):
    _some_history(registry_admin, riverside)
    target = AuditEvent.objects.order_by("sequence")[1]
    AuditEvent.objects.filter(pk=target.pk)._raw_delete(AuditEvent.objects.db)
    with pytest.raises(CommandError, match=f"event #{target.sequence} is missing"):
        call_command("verify_audit")


def test_verify_audit_reports_a_removed_last_record(registry_admin, riverside):
    _some_history(registry_admin, riverside)
    last = AuditEvent.objects.order_by("-sequence").first()
    AuditEvent.objects.filter(pk=last.pk)._raw_delete(AuditEvent.objects.db)
    with pytest.raises(CommandError, match="head records"):
        call_command("verify_audit")
