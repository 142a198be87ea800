"""The audit trail: events written with the change, sealed into one keyed chain per scope, and
`verify_audit` finding edits, gaps and removals, even by someone who recomputes every plain hash."""

import hashlib
import json
from datetime import timedelta
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from audit.chain import NATIONAL, scope_of
from audit.models import AuditChain, AuditEvent
from audit.services import audit_record, audit_seal_pending, verify_chain
from mso_registry.models import Role
from mso_registry.services import organisation_update, role_assign
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _some_history(registry_admin, riverside):
    role_assign(actor=registry_admin, user=UserFactory(), role=Role.STAFF, organisation=riverside)
    organisation_update(actor=registry_admin, organisation=riverside, generic_mso_email="new.mso@nhs.example")
    role_assign(actor=registry_admin, user=UserFactory(), role=Role.CSO, organisation=riverside)
    audit_seal_pending()


def _chain(scope):
    return list(AuditEvent.objects.filter(scope=scope).order_by("chain_sequence"))


def test_each_change_records_who_what_and_before_after(registry_admin, riverside):
    organisation_update(actor=registry_admin, organisation=riverside, generic_mso_email="new.mso@nhs.example")
    event = AuditEvent.objects.get(action="organisation.updated")
    assert event.actor == registry_admin
    assert event.actor_email == "registry@medsafety.example"
    assert event.organisation == riverside
    assert event.scope == f"organisation:{riverside.pk}"
    assert event.changes == {"generic_mso_email": ["r9r.mso@nhs.example", "new.mso@nhs.example"]}


def test_unchanged_save_writes_no_event(registry_admin, riverside):
    organisation_update(actor=registry_admin, organisation=riverside, name=riverside.name)
    assert not AuditEvent.objects.filter(action="organisation.updated").exists()


def test_an_event_is_written_unsealed_and_sealed_into_its_organisations_chain(registry_admin, riverside, hillside):
    organisation_update(actor=registry_admin, organisation=riverside, name="Riverside Hospitals")
    organisation_update(actor=registry_admin, organisation=hillside, name="Hillside Trust")
    event = AuditEvent.objects.get(organisation=riverside, action="organisation.updated")
    assert (event.chain_sequence, event.hash, event.sealed_at) == (None, "", None)
    assert audit_seal_pending() == 2
    event.refresh_from_db()
    assert event.chain_sequence == 1 and event.prev_hash == "" and len(event.hash) == 64
    # Each organisation has its own chain, numbered from 1; nothing waits for the other.
    assert AuditEvent.objects.get(organisation=hillside, action="organisation.updated").chain_sequence == 1
    assert AuditChain.objects.get(scope=scope_of(riverside.pk)).last_event_id == event.pk
    assert audit_seal_pending() == 0  # nothing sealed twice


def test_events_without_an_organisation_go_into_the_national_chain(registry_admin):
    role_assign(actor=registry_admin, user=UserFactory(), role=Role.REGISTRY_ADMIN)
    audit_seal_pending()
    assert [e.action for e in _chain(NATIONAL)] == ["role.assigned"]


def test_chain_links_each_event_to_the_one_before(registry_admin, riverside):
    _some_history(registry_admin, riverside)
    events = _chain(scope_of(riverside.pk))
    assert [e.chain_sequence for e in events] == list(range(1, len(events) + 1))
    assert [e.pk for e in events] == sorted(e.pk for e in events)  # sealed in the order written
    for before, after in zip(events, events[1:]):
        assert after.prev_hash == before.hash
    assert verify_chain() == (AuditEvent.objects.count(), None)


def test_the_hash_is_keyed_a_different_key_does_not_verify(registry_admin, riverside, settings):
    _some_history(registry_admin, riverside)
    assert verify_chain()[1] is None
    settings.AUDIT_HMAC_KEY = "another-key-entirely-another-key-entirely"
    assert "was changed after it was sealed" in verify_chain()[1]


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
    with pytest.raises(RuntimeError):
        event.action = "something.else"
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()


# --- On commit: one sealing task per transaction, and a broker failure never reaches the user -----


def test_one_transaction_queues_one_seal_for_every_scope_it_wrote(registry_admin, riverside, django_capture_on_commit_callbacks):
    from audit import tasks

    with mock.patch.object(tasks.seal_audit_chains, "apply_async") as publish:
        with django_capture_on_commit_callbacks(execute=True):
            # Three events in Riverside's chain (the role, the change request, its acceptance).
            role_assign(actor=registry_admin, user=UserFactory(), role=Role.MSO, organisation=riverside)
    publish.assert_called_once_with(args=[[scope_of(riverside.pk)]], retry=False, countdown=None)


def test_with_a_broker_one_seal_a_second_is_published_per_scope_and_runs_after_the_changes_it_covers(
    registry_admin, riverside, hillside, django_capture_on_commit_callbacks, monkeypatch
):
    from audit import services as audit_services
    from audit import tasks
    from config.celery_app import app

    clock = [1000.0]
    monkeypatch.setattr(audit_services, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    app.conf.task_always_eager = False  # the conftest fixture puts it back
    with mock.patch.object(tasks.seal_audit_chains, "apply_async") as publish:
        for name in ("Riverside One", "Riverside Two"):
            with django_capture_on_commit_callbacks(execute=True):
                organisation_update(actor=registry_admin, organisation=riverside, name=name)
        clock[0] += 0.5
        with django_capture_on_commit_callbacks(execute=True):
            organisation_update(actor=registry_admin, organisation=hillside, name="Hillside Two")
            organisation_update(actor=registry_admin, organisation=riverside, name="Riverside Three")
        assert publish.call_args_list == [
            mock.call(args=[[scope_of(riverside.pk)]], retry=False, countdown=audit_services.SEAL_AFTER_SECONDS),
            mock.call(args=[[scope_of(hillside.pk)]], retry=False, countdown=audit_services.SEAL_AFTER_SECONDS),
        ]
        clock[0] += audit_services.SEAL_AFTER_SECONDS  # Riverside's task has run: the next change needs another
        with django_capture_on_commit_callbacks(execute=True):
            organisation_update(actor=registry_admin, organisation=riverside, name="Riverside Four")
    assert publish.call_count == 3 and publish.call_args.kwargs["args"] == [[scope_of(riverside.pk)]]


def test_events_are_sealed_on_commit(registry_admin, riverside, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        organisation_update(actor=registry_admin, organisation=riverside, name="Riverside Hospitals")
    assert AuditEvent.objects.get(action="organisation.updated").chain_sequence == 1


def test_a_broker_failure_leaves_the_change_saved_and_the_seal_to_the_sweep(
    registry_admin, riverside, django_capture_on_commit_callbacks, monkeypatch
):
    from audit import tasks
    from config.celery_app import app
    from core import tasks as publishing

    monkeypatch.setattr(publishing, "_paused_until", 0.0)
    app.conf.task_always_eager = False  # the conftest fixture puts it back
    with mock.patch.object(tasks.seal_audit_chains, "apply_async", side_effect=TimeoutError("stalled")):
        with django_capture_on_commit_callbacks(execute=True):
            organisation_update(actor=registry_admin, organisation=riverside, name="Riverside Hospitals")
    app.conf.task_always_eager = True
    riverside.refresh_from_db()
    assert riverside.name == "Riverside Hospitals"
    assert AuditEvent.objects.get(action="organisation.updated").chain_sequence is None
    tasks.seal_audit_chains()  # the beat sweep
    assert AuditEvent.objects.get(action="organisation.updated").chain_sequence == 1


def test_an_event_left_unsealed_too_long_fails_verification(registry_admin, riverside, settings):
    organisation_update(actor=registry_admin, organisation=riverside, name="Riverside Hospitals")
    assert verify_chain()[1] is None  # recent: waiting for the sealer is normal
    event = AuditEvent.objects.get(action="organisation.updated")
    AuditEvent.objects.filter(pk=event.pk).update(created_at=event.created_at - timedelta(seconds=settings.AUDIT_SEAL_OVERDUE_SECONDS + 1))
    with pytest.raises(CommandError, match=f"event {event.pk} .* has not been sealed"):
        call_command("verify_audit")


# --- Tampering ------------------------------------------------------------------------------------


def test_verify_audit_reports_an_edited_record(registry_admin, riverside):
    _some_history(registry_admin, riverside)
    call_command("verify_audit")  # intact
    target = _chain(scope_of(riverside.pk))[1]
    # A tamperer with database access goes round the model.
    AuditEvent.objects.filter(pk=target.pk).update(changes={"generic_mso_email": ["a", "b"]})
    with pytest.raises(CommandError, match=rf"organisation:{riverside.pk} #2 \(event {target.pk}\) was changed"):
        call_command("verify_audit")


def _plain_sha256(event) -> str:
    from audit.chain import sealed_payload

    canonical = json.dumps(sealed_payload(event), sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    return hashlib.sha256(canonical.encode()).hexdigest()


def test_an_attacker_who_recomputes_every_plain_hash_is_still_caught(registry_admin, riverside):
    """What someone with the database but not the key can do: edit a record, then recompute every
    hash after it with plain SHA-256 (as the old chain used) and relink the chain and its head."""
    _some_history(registry_admin, riverside)
    scope = scope_of(riverside.pk)
    events = _chain(scope)
    victim = events[1]
    victim.changes = {"generic_mso_email": ["r9r.mso@nhs.example", "attacker@evil.example"]}
    prev_hash = events[0].hash
    for event in events[1:]:
        event.prev_hash = prev_hash
        event.hash = prev_hash = _plain_sha256(event)
    AuditEvent.objects.bulk_update(events[1:], ["changes", "prev_hash", "hash"])
    AuditChain.objects.filter(scope=scope).update(last_hash=prev_hash)
    # Every link is consistent again, so only the key can tell.
    relinked = _chain(scope)
    assert all(after.prev_hash == before.hash for before, after in zip(relinked, relinked[1:]))
    with pytest.raises(CommandError, match=rf"{scope} #2 \(event {victim.pk}\) was changed after it was sealed"):
        call_command("verify_audit")


def test_an_event_moved_to_another_chain_is_caught(registry_admin, riverside, hillside):
    _some_history(registry_admin, riverside)
    target = _chain(scope_of(riverside.pk))[-1]
    AuditEvent.objects.filter(pk=target.pk).update(organisation=hillside)
    with pytest.raises(CommandError, match=f"event {target.pk}"):
        call_command("verify_audit")


def test_verify_audit_reports_a_deleted_record(registry_admin, riverside):
    _some_history(registry_admin, riverside)
    target = _chain(scope_of(riverside.pk))[1]
    AuditEvent.objects.filter(pk=target.pk)._raw_delete(AuditEvent.objects.db)
    with pytest.raises(CommandError, match=rf"organisation:{riverside.pk}: #2 is missing"):
        call_command("verify_audit")


def test_verify_audit_reports_a_removed_last_record(registry_admin, riverside):
    _some_history(registry_admin, riverside)
    last = _chain(scope_of(riverside.pk))[-1]
    AuditEvent.objects.filter(pk=last.pk)._raw_delete(AuditEvent.objects.db)
    with pytest.raises(CommandError, match="but its head records"):
        call_command("verify_audit")


def test_a_sealed_event_put_back_to_unsealed_is_caught(registry_admin, riverside):
    _some_history(registry_admin, riverside)
    target = _chain(scope_of(riverside.pk))[1]
    AuditEvent.objects.filter(pk=target.pk).update(chain_sequence=None, action="edited.while.unsealed")
    with pytest.raises(CommandError, match=rf"#2 is missing"):
        call_command("verify_audit")
