"""Anchors: each chain's head emailed out of the database's reach and logged, so that removing the
tail of a chain (and rewinding its head) is still caught."""

import itertools
import logging

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from audit.chain import scope_of
from audit.models import AuditAnchor, AuditChain, AuditEvent
from audit.services import audit_seal_pending
from config.tasks import anchor_audit_chains
from mso_registry.models import Role
from mso_registry.services import organisation_update, role_assign
from notifications.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


_renames = itertools.count()


def _history(registry_admin, organisation, changes=3):
    for _ in range(changes):
        organisation_update(actor=registry_admin, organisation=organisation, name=f"Renamed trust {next(_renames)}")
    audit_seal_pending()


def test_anchoring_emails_and_logs_each_chain_head_once(registry_admin, riverside, hillside, settings, caplog,
                                                        django_capture_on_commit_callbacks):
    _history(registry_admin, riverside)
    _history(registry_admin, hillside, changes=1)
    with caplog.at_level(logging.INFO, logger="audit"), django_capture_on_commit_callbacks(execute=True):
        assert anchor_audit_chains() == 2
    riverside_head = AuditChain.objects.get(scope=scope_of(riverside.pk))
    anchor = AuditAnchor.objects.get(scope=riverside_head.scope)
    assert (anchor.chain_sequence, anchor.hash, anchor.event_id) == (3, riverside_head.last_hash, riverside_head.last_event_id)
    [email] = mail.outbox
    assert email.to == [settings.AUDIT_ANCHOR_EMAIL]
    assert f"{riverside_head.scope} (R9R Renamed trust" in email.body
    assert f"#3  event {riverside_head.last_event_id}" in email.body
    assert riverside_head.last_hash in email.body
    assert f"{riverside_head.scope} #3 hash {riverside_head.last_hash}" in caplog.text
    # Nothing moved: nothing anchored or sent again.
    with django_capture_on_commit_callbacks(execute=True):
        assert anchor_audit_chains() == 0
    assert len(mail.outbox) == 1


def test_a_later_run_anchors_only_the_chains_that_moved(registry_admin, riverside, hillside):
    _history(registry_admin, riverside)
    _history(registry_admin, hillside, changes=1)
    anchor_audit_chains()
    _history(registry_admin, hillside, changes=1)
    assert anchor_audit_chains() == 1
    assert AuditAnchor.objects.filter(scope=scope_of(hillside.pk)).count() == 2
    assert Notification.objects.filter(idempotency_key__startswith="audit-anchor:").count() == 2


def test_the_anchor_email_is_keyed_by_the_heads_it_carries(registry_admin, riverside):
    """Run twice over the same heads (e.g. the rows were lost but the email was queued), one email."""
    _history(registry_admin, riverside)
    anchor_audit_chains()
    AuditAnchor.objects.all().delete()
    anchor_audit_chains()
    assert Notification.objects.filter(idempotency_key__startswith="audit-anchor:").count() == 1


def _truncate_tail(scope, keep):
    """An attacker with the database removes the newest events and rewinds the head to match."""
    events = list(AuditEvent.objects.filter(scope=scope).order_by("chain_sequence"))
    for event in events[keep:]:
        AuditEvent.objects.filter(pk=event.pk)._raw_delete(AuditEvent.objects.db)
    last = events[keep - 1]
    AuditChain.objects.filter(scope=scope).update(last_sequence=last.chain_sequence, last_hash=last.hash, last_event_id=last.pk)


def test_removing_the_tail_after_an_anchor_is_caught_by_the_anchor(registry_admin, riverside):
    _history(registry_admin, riverside)
    anchor_audit_chains()
    scope = scope_of(riverside.pk)
    _truncate_tail(scope, keep=2)
    with pytest.raises(CommandError, match=rf"{scope}: the anchor of .* records #3 .* no longer reaches it"):
        call_command("verify_audit")


def test_without_the_anchor_the_same_truncation_would_pass(registry_admin, riverside):
    """Why anchors exist: a consistent truncation is invisible to the chain alone."""
    _history(registry_admin, riverside)
    _truncate_tail(scope_of(riverside.pk), keep=2)
    call_command("verify_audit")


def test_an_anchor_kept_outside_the_database_still_catches_it_when_the_anchor_rows_go_too(registry_admin, riverside):
    _history(registry_admin, riverside)
    anchor_audit_chains()
    anchor = AuditAnchor.objects.get()
    _truncate_tail(anchor.scope, keep=2)
    AuditAnchor.objects.all().delete()
    call_command("verify_audit")  # the database alone now looks consistent
    with pytest.raises(CommandError, match="no longer reaches it"):
        call_command("verify_audit", anchor=[f"{anchor.scope}:{anchor.chain_sequence}:{anchor.hash}"])


def test_a_rewritten_anchored_event_is_caught(registry_admin, riverside, hillside):
    _history(registry_admin, riverside)
    anchor_audit_chains()
    anchor = AuditAnchor.objects.get()
    with pytest.raises(CommandError, match=r"is not the event anchored"):
        call_command("verify_audit", anchor=[f"{anchor.scope}:{anchor.chain_sequence}:{'0' * 64}"])


def test_verify_audit_refuses_a_malformed_anchor(registry_admin, riverside):
    with pytest.raises(CommandError, match="Not an anchor"):
        call_command("verify_audit", anchor=["organisation:1:abc"])


def test_national_chain_is_anchored_too(registry_admin):
    role_assign(actor=registry_admin, user=UserFactory(), role=Role.REGISTRY_ADMIN)
    audit_seal_pending()
    anchor_audit_chains()
    assert AuditAnchor.objects.filter(scope="national", chain_sequence=1).exists()
