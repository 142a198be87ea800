"""Writes of the audit trail (README, "Architecture", audit/).

`audit_record` runs inside the caller's transaction and takes no lock: the event is a plain INSERT
whose id comes from the database sequence, so audited writes never wait on each other. Once the
transaction has committed, `audit_seal` puts the event into its scope's chain (each organisation,
or the national chain): its place, the previous event's hash and its own HMAC."""

import json
import logging
import time
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from core.tasks import publish_or_leave_to_sweep

from .chain import scope_of
from .models import AuditAnchor, AuditChain, AuditEvent

logger = logging.getLogger(__name__)

SEAL_BATCH = 500  # events per sealing transaction, so a backlog never holds a chain head for long


def _plain(value):
    """A JSON-stable form of a field value, so that the stored hash can be recomputed."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (datetime, date, Decimal)):
        return json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    return value


def snapshot(instance: models.Model, fields: list[str]) -> dict:
    """The named fields of an instance as plain values, for a before/after comparison."""
    return {name: _plain(getattr(instance, name)) for name in fields}


def changes_between(before: dict, after: dict) -> dict:
    """{field: [before, after]} for each field whose value differs."""
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


# What a change came through when it was not a person at a page (an API client): added to each event's
# changes as "via", so the services that write events need not know about the channel.
_VIA: ContextVar[str] = ContextVar("audit_via", default="")


@contextmanager
def audit_via(description: str):
    """Every event written inside says it came through `description` (e.g. "API client EPMA feed (3)")."""
    token = _VIA.set(description)
    try:
        yield
    finally:
        _VIA.reset(token)


def audit_record(*, actor, action: str, target: models.Model, changes: dict, organisation=None) -> AuditEvent:
    """Write one event in the caller's transaction, so it exists exactly when the change does.
    Takes no lock; the event is sealed into its chain after the commit."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change it records.")
    if via := _VIA.get():
        changes = {**changes, "via": [None, via]}
    actor = actor if getattr(actor, "is_authenticated", False) else None
    event = AuditEvent.objects.create(
        created_at=timezone.now(),
        actor=actor,
        actor_email=actor.email if actor else "",
        action=action,
        content_type=ContentType.objects.get_for_model(target),
        object_id=str(target.pk),
        object_repr=str(target)[:255],
        organisation=organisation,
        scope=scope_of(organisation.pk if organisation else None),
        changes=json.loads(json.dumps(changes, cls=DjangoJSONEncoder)),
    )
    _seal_after_commit(event.scope)
    return event


class _SealOnCommit:
    """One per transaction: after the commit, one task seals every scope the transaction wrote to."""

    def __init__(self):
        self.scopes: set[str] = set()
        self.ran = False  # tests run callbacks inside a transaction that never commits, and it keeps them

    def __call__(self):
        self.ran = True
        audit_seal_enqueue(scopes=sorted(self.scopes))


def _seal_after_commit(scope: str) -> None:
    # Django keeps the transaction's callbacks as (savepoint ids, callback, robust). A callback from
    # a savepoint that is rolled back goes with it, and so do the events written inside it.
    for _, callback, _ in transaction.get_connection().run_on_commit:
        if isinstance(callback, _SealOnCommit) and not callback.ran:
            callback.scopes.add(scope)
            return
    callback = _SealOnCommit()
    callback.scopes.add(scope)
    transaction.on_commit(callback)


# A busy worker process commits audited changes many times a second (every API call is one). It
# publishes one seal task per scope per this many seconds, to run that long after it was published:
# every event this process commits in the meantime is committed before that task runs, so it is
# sealed by it, and the broker is asked once instead of once a change.
SEAL_AFTER_SECONDS = 1.0
_seal_due: dict[str, float] = {}  # scope -> time.monotonic() by which the task published for it runs


def audit_seal_enqueue(*, scopes: list[str]) -> bool:
    """Queue the sealing of these scopes, unless a task this process published will run after now
    anyway. A broker that is down or stalled is logged, never raised: the sweep on beat seals what is
    left."""
    from .tasks import seal_audit_chains  # here, not at the top: tasks imports this module

    eager = seal_audit_chains.app.conf.task_always_eager  # runs now, in this process: nothing to gather
    now = time.monotonic()
    due = scopes if eager else [scope for scope in scopes if _seal_due.get(scope, 0.0) <= now]
    if not due:
        return True
    published = publish_or_leave_to_sweep(
        seal_audit_chains, [due], what=f"the audit seal of {len(due)} chain(s)", sweep_will="seal them",
        countdown=None if eager else SEAL_AFTER_SECONDS,
    )
    if published and not eager:
        _seal_due.update((scope, now + SEAL_AFTER_SECONDS) for scope in due)
    return published


def audit_seal(*, scope: str) -> int:
    """Seal the committed, unsealed events of one scope into its chain, lowest id first; returns how many.

    Only a sealer locks a chain head, and never waits for it: if another sealer holds it, this one
    returns and that one (or the next sweep) seals what is waiting. Events are sealed in the order
    the sealer finds them, so one whose transaction committed after a later id was sealed simply
    joins the chain's end: nothing is waited for, nothing is skipped (no "sealed up to id N" mark)."""
    if not AuditChain.objects.filter(scope=scope).exists():
        AuditChain.objects.bulk_create([AuditChain(scope=scope)], ignore_conflicts=True)
    sealed = 0
    while True:
        with transaction.atomic():
            chain = AuditChain.objects.select_for_update(skip_locked=True).filter(scope=scope).first()
            if chain is None:
                return sealed
            events = list(AuditEvent.objects.filter(scope=scope, chain_sequence__isnull=True).order_by("id")[:SEAL_BATCH])
            if not events:
                return sealed
            now = timezone.now()
            for event in events:
                event.chain_sequence, event.prev_hash, event.sealed_at = chain.last_sequence + 1, chain.last_hash, now
                event.hash = event.compute_hash()
                chain.last_sequence, chain.last_hash, chain.last_event_id = event.chain_sequence, event.hash, event.pk
            # The unique (scope, chain_sequence) constraint stops two sealers from ever forking a chain.
            AuditEvent.objects.bulk_update(events, ["chain_sequence", "prev_hash", "hash", "sealed_at"])
            chain.sealed_at = now
            chain.save(update_fields=["last_sequence", "last_hash", "last_event_id", "sealed_at"])
        sealed += len(events)
        if len(events) < SEAL_BATCH:
            return sealed


def audit_seal_pending(*, scopes: list[str] | None = None) -> int:
    """Seal every scope with events waiting (or the given ones); the beat sweep and the on-commit task."""
    if scopes is None:
        scopes = list(
            AuditEvent.objects.filter(chain_sequence__isnull=True).order_by("scope").values_list("scope", flat=True).distinct()
        )
    return sum(audit_seal(scope=scope) for scope in scopes)


def audit_anchor_heads() -> list[AuditAnchor]:
    """Record the head of every chain that has moved since its last anchor, and write each to the log.
    The caller sends them out of the database's reach (config.tasks emails them) in the same transaction."""
    with transaction.atomic():
        anchored = {scope: anchor.chain_sequence for scope, anchor in latest_anchors().items()}
        anchors = [
            AuditAnchor(scope=chain.scope, chain_sequence=chain.last_sequence, hash=chain.last_hash, event_id=chain.last_event_id)
            for chain in AuditChain.objects.filter(last_sequence__gt=0).order_by("scope")
            if anchored.get(chain.scope, 0) < chain.last_sequence
        ]
        AuditAnchor.objects.bulk_create(anchors, ignore_conflicts=True)
    for anchor in anchors:
        logger.info(
            "Audit anchor: %s #%s hash %s event %s at %s",
            anchor.scope, anchor.chain_sequence, anchor.hash, anchor.event_id, anchor.anchored_at.isoformat(),
        )
    return anchors


# --- Verification ---------------------------------------------------------------------------------


def _walk_problem(events, heads: dict, anchors: dict) -> tuple[int, str | None]:
    """Walk sealed events in (scope, place) order; returns (checked, first problem)."""
    checked, scope, expected, prev_hash, last = 0, None, 1, "", None
    seen_scopes, matched_anchors = set(), set()

    def chain_end_problem():
        head = heads.get(scope)
        if head is None or head.last_sequence != expected - 1 or head.last_hash != prev_hash:
            recorded = f"#{head.last_sequence}" if head else "no head"
            return f"{scope}: the chain ends at #{expected - 1} (event {last}) but its head records {recorded}"
        return None

    for event in events:
        if event.scope != scope:
            if scope is not None and (problem := chain_end_problem()):
                return checked, problem
            scope, expected, prev_hash = event.scope, 1, ""
            seen_scopes.add(scope)
        where = f"{scope} #{event.chain_sequence} (event {event.pk})"
        if event.chain_sequence != expected:
            return checked, f"{scope}: #{expected} is missing (the next found is {where})"
        if event.prev_hash != prev_hash:
            return checked, f"{where} does not follow from #{expected - 1}"
        if event.compute_hash() != event.hash:
            return checked, f"{where} was changed after it was sealed"
        anchor = anchors.get(scope)
        if anchor and anchor.chain_sequence == event.chain_sequence:
            if anchor.hash != event.hash or anchor.event_id not in (None, event.pk):
                return checked, f"{where} is not the event anchored on {anchor.anchored_at:%Y-%m-%d %H:%M} at that place"
            matched_anchors.add(scope)
        checked, expected, prev_hash, last = checked + 1, expected + 1, event.hash, event.pk
    if scope is not None and (problem := chain_end_problem()):
        return checked, problem
    for head_scope, head in sorted(heads.items()):
        if head_scope not in seen_scopes and head.last_sequence:
            return checked, f"{head_scope}: its head records #{head.last_sequence} but the chain has no events"
    for anchor_scope, anchor in sorted(anchors.items()):
        if anchor_scope not in matched_anchors:
            return checked, (
                f"{anchor_scope}: the anchor of {anchor.anchored_at:%Y-%m-%d %H:%M} records #{anchor.chain_sequence} "
                f"(event {anchor.event_id}) but the chain no longer reaches it: events were removed"
            )
    return checked, None


def latest_anchors() -> dict[str, AuditAnchor]:
    """Each chain's newest anchor (one index probe per chain, however many anchors went before)."""
    newest = AuditAnchor.objects.filter(scope=OuterRef("scope")).order_by("-chain_sequence").values("chain_sequence")[:1]
    return {anchor.scope: anchor for anchor in AuditAnchor.objects.filter(chain_sequence=Subquery(newest))}


def verify_chain(*, batch_size: int = 5000, anchors: dict | None = None) -> tuple[int, str | None]:
    """Check every chain: places 1, 2, 3 ... without a gap, each linked to the one before, each keyed
    hash right, each head where its chain ends, the latest anchor of each chain (or the given ones)
    still matching the event at its place, and no event left unsealed longer than
    AUDIT_SEAL_OVERDUE_SECONDS. Returns (sealed events checked, the first problem or None)."""
    heads = {chain.scope: chain for chain in AuditChain.objects.all()}
    events = AuditEvent.objects.filter(chain_sequence__isnull=False).order_by("scope", "chain_sequence")
    checked, problem = _walk_problem(events.iterator(chunk_size=batch_size), heads, latest_anchors() if anchors is None else anchors)
    if problem:
        return checked, problem
    overdue_before = timezone.now() - timedelta(seconds=settings.AUDIT_SEAL_OVERDUE_SECONDS)
    overdue = AuditEvent.objects.filter(chain_sequence__isnull=True, created_at__lt=overdue_before).order_by("id").first()
    if overdue:
        return checked, (
            f"{overdue.scope}: event {overdue.pk} ({overdue.action}, written {overdue.created_at:%Y-%m-%d %H:%M}) "
            "has not been sealed: is the sealer (Celery beat) running?"
        )
    return checked, None


def unsealed_count() -> int:
    return AuditEvent.objects.filter(chain_sequence__isnull=True).count()
