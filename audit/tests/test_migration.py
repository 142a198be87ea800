"""`migrate` on a database written under the old single chain: its events are checked against the old
plain hashes and sealed, in their old order, into the new keyed chains; a broken old chain stops it."""

import importlib

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from audit.chain import scope_of
from audit.models import AuditChain, AuditEvent
from audit.services import verify_chain

pytestmark = pytest.mark.django_db(transaction=True)
legacy = importlib.import_module("audit.migrations.0003_seal_existing_events")
OLD, NEW = [("audit", "0001_initial")], [("audit", "0004_chain_constraints")]


@pytest.fixture
def old_schema():
    executor = MigrationExecutor(connection)
    executor.migrate(OLD)
    try:
        yield executor.loader.project_state(OLD).apps
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


def _old_chain(apps, organisations, *, tamper_with=None):
    Event, Head = apps.get_model("audit", "AuditEvent"), apps.get_model("audit", "AuditChainHead")
    content_type = ContentType.objects.get_for_model(AuditEvent).pk
    prev_hash = ""
    for sequence, organisation_id in enumerate(organisations, start=1):
        event = Event(
            sequence=sequence, created_at=timezone.now(), actor_email="registry@medsafety.example", action=f"old.{sequence}",
            content_type_id=content_type, object_id=str(sequence), object_repr=f"Record {sequence}",
            organisation_id=organisation_id, changes={"n": [None, sequence]}, prev_hash=prev_hash,
        )
        event.chain_sequence = event.sequence  # the name _legacy_hash reads (after the rename)
        event.hash = prev_hash = legacy._legacy_hash(event)
        if sequence == tamper_with:
            event.action = "edited.afterwards"
        event.save()
    Head.objects.create(pk=1, last_sequence=len(organisations), last_hash=prev_hash)


def test_old_events_are_sealed_into_their_scopes_chains(old_schema, riverside, hillside):
    _old_chain(old_schema, [riverside.pk, None, hillside.pk, riverside.pk, None])
    MigrationExecutor(connection).migrate(NEW)
    assert verify_chain() == (5, None)
    riverside_chain = list(
        AuditEvent.objects.filter(scope=scope_of(riverside.pk)).order_by("chain_sequence").values_list("action", "chain_sequence")
    )
    assert riverside_chain == [("old.1", 1), ("old.4", 2)]
    assert AuditChain.objects.get(scope="national").last_sequence == 2


def test_a_broken_old_chain_stops_the_migration(old_schema, riverside, monkeypatch):
    monkeypatch.delenv("AUDIT_ACCEPT_BROKEN_LEGACY_CHAIN", raising=False)
    _old_chain(old_schema, [riverside.pk, riverside.pk, riverside.pk], tamper_with=2)
    with pytest.raises(RuntimeError, match="event #2 was changed"):
        MigrationExecutor(connection).migrate(NEW)
    with connection.cursor() as cursor:  # so that the fixture can migrate forward again
        cursor.execute("DELETE FROM audit_auditevent")
