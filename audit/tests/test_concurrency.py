"""Audited writes under real concurrency on PostgreSQL: no deadlock between the registry's services,
32 writers over 8 organisations without an error and with every chain intact, late commits and two
sealers at once. Threads each use their own database connection, so these tests commit for real."""

import threading
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from audit.chain import scope_of
from audit.models import AuditChain, AuditEvent
from audit.services import audit_record, audit_seal, audit_seal_pending, verify_chain
from clinical_safety import services as clinical_safety
from clinical_safety.tests.conftest import hazard_details, make_fit_to_sign
from clinical_safety.models import Standard
from conftest import skip_or_fail
from incidents import services as incidents
from incidents.tests.conftest import report_values
from mso_registry.models import Organisation, Role
from mso_registry.services import organisation_update, records, role_assign
from tests.factories import OrganisationFactory, RoleAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        skip_or_fail("Row locks and deadlocks need PostgreSQL: set DATABASE_URL")


class Worker(threading.Thread):
    """Runs one job on its own connection and keeps what it raised."""

    def __init__(self, name, job):
        super().__init__(name=name, daemon=True)
        self.job, self.error, self.result = job, None, None

    def run(self):
        try:
            self.result = self.job()
        except BaseException as error:  # noqa: BLE001 - the test reports it
            self.error = error
        finally:
            connections.close_all()


def _finish(*workers, timeout=60):
    for worker in workers:
        worker.join(timeout)
        assert not worker.is_alive(), f"{worker.name} is stuck"
    errors = {w.name: repr(w.error) for w in workers if w.error}
    assert not errors, errors


def test_organisation_update_and_role_assign_together_both_succeed(registry_admin, riverside):
    """The interleaving that deadlocked under the single chain head: the registry administrator's
    role_assign has written its audit event (and, before, held the head until commit) when
    organisation_update locks the organisation row and writes its own event; role_assign then
    updates the organisation row (the national list's MSO). Before, each waited for the other."""
    director = UserFactory(email="new.director@riverside.example")
    role_has_written_its_event = threading.Event()
    organisation_update_done = threading.Event()
    real_audit_record = records.audit_record

    def audit_record_then_pause(**kwargs):
        event = real_audit_record(**kwargs)
        if threading.current_thread().name == "role_assign" and not role_has_written_its_event.is_set():
            role_has_written_its_event.set()
            # Under the old head, organisation_update now blocks on it and this never fires: the
            # pause ends after 5 s and the deadlock follows.
            organisation_update_done.wait(timeout=5)
        return event

    def update():
        try:
            return organisation_update(actor=registry_admin, organisation=riverside, name="Riverside Hospitals")
        finally:
            organisation_update_done.set()

    with mock.patch.object(records, "audit_record", audit_record_then_pause):
        assigning = Worker(
            "role_assign",
            lambda: role_assign(actor=registry_admin, user=director, role=Role.BOARD_DIRECTOR, organisation=riverside),
        )
        assigning.start()
        assert role_has_written_its_event.wait(10)
        updating = Worker("organisation_update", update)
        updating.start()
        _finish(assigning, updating)

    organisation = Organisation.objects.get(pk=riverside.pk)
    assert organisation.name == "Riverside Hospitals"
    assert organisation.listed_board_director.startswith(director.full_name or director.email)
    audit_seal_pending()
    actions = set(AuditEvent.objects.filter(scope=scope_of(riverside.pk)).values_list("action", flat=True))
    assert {"role.assigned", "organisation.updated", "change_request.accepted"} <= actions
    assert verify_chain()[1] is None


def _an_organisation_ready_for_everything(n, registry_admin):
    organisation = OrganisationFactory(name=f"Concurrency Trust {n} NHS Foundation Trust")
    people = {}
    for role in (Role.STAFF, Role.MSO, Role.CSO):
        people[role] = UserFactory(email=f"{role}{n}@concurrency.example")
        RoleAssignmentFactory(user=people[role], organisation=organisation, role=role)
    cso = make_fit_to_sign(people[Role.CSO])
    with transaction.atomic():
        system = clinical_safety.system_create(
            actor=cso, organisation=organisation,
            details={"name": f"EPMA {n}", "manufacturer": "Example Ltd", "version": "1", "standard": Standard.DCB0160,
                     "intended_use": "Prescribing.", "clinical_scope": "Adults.", "cso": cso},
        )
        hazard = clinical_safety.hazard_create(actor=cso, system=system, details=hazard_details())
        incident, _ = incidents.incident_report(reporter=people[Role.STAFF], organisation=organisation, **report_values())
    return {"organisation": organisation, "people": people, "hazard": hazard, "incident": incident}


ROUNDS = 3


def _jobs(world, registry_admin, n):
    organisation, people = world["organisation"], world["people"]

    def reports():
        for _ in range(ROUNDS):
            incidents.incident_report(reporter=people[Role.STAFF], organisation=organisation, **report_values())

    def regrades():
        for harm in ["low", "none", "low"][:ROUNDS]:
            incidents.incident_grade(
                incident=world["incident"], actor=people[Role.MSO], physical_harm=harm, psychological_harm="none",
                note="Regraded under load",
            )

    def role_changes():
        for round_ in range(ROUNDS):
            director = UserFactory(email=f"director{n}-{round_}@concurrency.example")
            role_assign(actor=registry_admin, user=director, role=Role.BOARD_DIRECTOR, organisation=organisation)
            organisation_update(actor=registry_admin, organisation=organisation, name=f"Concurrency Trust {n} ({round_})")

    def hazard_edits():
        for round_ in range(ROUNDS):
            clinical_safety.hazard_update(
                actor=people[Role.CSO], hazard=world["hazard"],
                details=hazard_details(title=f"Wrong patient selected, revision {round_}", initial_likelihood=2 + round_ % 2),
            )

    return {"report": reports, "regrade": regrades, "roles": role_changes, "hazard": hazard_edits}


def test_32_concurrent_writers_over_8_organisations_all_succeed_with_every_chain_intact(registry_admin):
    worlds = [_an_organisation_ready_for_everything(n, registry_admin) for n in range(8)]
    audit_seal_pending()
    before = AuditEvent.objects.count()
    start = threading.Barrier(32)
    workers = []
    for n, world in enumerate(worlds):
        for kind, job in _jobs(world, registry_admin, n).items():

            def run(job=job):
                start.wait(timeout=30)
                job()

            workers.append(Worker(f"{kind}-{n}", run))
    assert len(workers) == 32
    began = time.monotonic()
    for worker in workers:
        worker.start()
    _finish(*workers, timeout=120)
    elapsed = time.monotonic() - began

    # Each thread's on-commit seal ran while others wrote; the sweep seals whatever a busy sealer skipped.
    audit_seal_pending()
    written = AuditEvent.objects.count() - before
    # Per organisation: 3 reports, 3 regrades, 3 x (role, change request, acceptance, rename), 3 hazard edits.
    assert written >= 8 * (ROUNDS + ROUNDS + 4 * ROUNDS + ROUNDS), written
    assert not AuditEvent.objects.filter(chain_sequence__isnull=True).exists()
    checked, problem = verify_chain()
    assert problem is None
    assert checked == AuditEvent.objects.count()
    for world in worlds:
        chain = AuditChain.objects.get(scope=scope_of(world["organisation"].pk))
        assert chain.last_sequence == AuditEvent.objects.filter(scope=chain.scope).count()
    print(f"\n32 writers, {written} audited changes in {elapsed:.1f} s, all chains intact")


def test_an_event_committed_after_a_later_one_was_sealed_joins_the_end_of_its_chain(registry_admin, riverside):
    """Ids are handed out at INSERT, commits land in any order: the sealer must not skip the late one."""
    early_written, late_committed = threading.Event(), threading.Event()

    def early():
        with transaction.atomic():
            event = audit_record(actor=registry_admin, action="test.early", target=riverside, changes={}, organisation=riverside)
            early_written.set()
            assert late_committed.wait(10)
        return event.pk

    slow = Worker("early", early)
    slow.start()
    assert early_written.wait(10)
    with transaction.atomic():
        late = audit_record(actor=registry_admin, action="test.late", target=riverside, changes={}, organisation=riverside)
    audit_seal(scope=late.scope)  # (its on-commit seal has already run here: tasks are eager in tests)
    late.refresh_from_db()
    assert late.chain_sequence == 1  # the earlier id is not committed yet: not seen, not waited for
    late_committed.set()
    _finish(slow)
    assert slow.result < late.pk
    audit_seal_pending()
    chain = list(AuditEvent.objects.filter(scope=late.scope).order_by("chain_sequence").values_list("action", "chain_sequence"))
    assert chain == [("test.late", 1), ("test.early", 2)]
    assert verify_chain()[1] is None


def test_a_rolled_back_event_leaves_no_gap_in_its_chain(registry_admin, riverside):
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        audit_record(actor=registry_admin, action="test.rolled_back", target=riverside, changes={}, organisation=riverside)
        1 / 0
    with transaction.atomic():
        audit_record(actor=registry_admin, action="test.kept", target=riverside, changes={}, organisation=riverside)
    audit_seal_pending()
    assert list(AuditEvent.objects.values_list("action", "chain_sequence")) == [("test.kept", 1)]
    assert verify_chain()[1] is None


def test_a_second_sealer_never_waits_for_the_first(registry_admin, riverside):
    with mock.patch("audit.services.audit_seal_enqueue"), transaction.atomic():  # left for the sealers below
        event = audit_record(actor=registry_admin, action="test.one", target=riverside, changes={}, organisation=riverside)
    AuditChain.objects.get_or_create(scope=event.scope)
    holding, release = threading.Event(), threading.Event()

    def first_sealer_at_work():
        with transaction.atomic():
            AuditChain.objects.select_for_update().get(scope=event.scope)
            holding.set()
            assert release.wait(10)

    first = Worker("first sealer", first_sealer_at_work)
    first.start()
    assert holding.wait(10)
    began = time.monotonic()
    assert audit_seal(scope=event.scope) == 0
    assert time.monotonic() - began < 1
    release.set()
    _finish(first)
    assert audit_seal(scope=event.scope) == 1


def test_many_sealers_at_once_never_fork_a_chain(registry_admin, riverside, hillside):
    with mock.patch("audit.services.audit_seal_enqueue"), transaction.atomic():  # left for the sealers below
        for n in range(60):
            organisation = riverside if n % 2 else hillside
            audit_record(actor=registry_admin, action=f"test.{n}", target=organisation, changes={}, organisation=organisation)
    start = threading.Barrier(6)

    def seal():
        start.wait(10)
        return audit_seal_pending()

    sealers = [Worker(f"sealer-{n}", seal) for n in range(6)]
    for sealer in sealers:
        sealer.start()
    _finish(*sealers)
    assert sum(s.result for s in sealers) + audit_seal_pending() == 60
    assert verify_chain() == (60, None)


def test_the_sweep_seals_events_whose_seal_never_ran(registry_admin, riverside, settings):
    with mock.patch("audit.services.audit_seal_enqueue"):  # the on-commit task was lost
        organisation_update(actor=registry_admin, organisation=riverside, name="Riverside Hospitals")
    event = AuditEvent.objects.get(action="organisation.updated")
    assert event.chain_sequence is None
    AuditEvent.objects.filter(pk=event.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert "has not been sealed" in verify_chain()[1]
    from audit.tasks import seal_audit_chains

    seal_audit_chains()
    assert verify_chain()[1] is None
