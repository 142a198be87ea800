"""Health IT systems: adding and editing one, and filling the live hash of every log."""

from django.db import transaction

from audit.services import audit_record, changes_between, snapshot
from core.domain import DomainError, NotAllowed
from mso_registry.models import Role, RoleAssignment

from .. import permissions
from ..models import HealthITSystem
from .shared import SYSTEM_FIELDS, _live_hash_keep, _require_editor


def _check_cso(system_organisation, cso) -> None:
    holds = RoleAssignment.objects.current().filter(user=cso, organisation=system_organisation, role=Role.CSO).exists()
    if not holds:
        raise DomainError(f"{cso} is not a Clinical Safety Officer of {system_organisation.name}.")


def system_create(*, actor, organisation, details: dict) -> HealthITSystem:
    """Add a health IT system to an organisation's register of systems."""
    if not permissions.can_add_system(actor, organisation):
        raise NotAllowed("Only the organisation's Clinical Safety Officers can add health IT systems.")
    with transaction.atomic():
        _check_cso(organisation, details["cso"])
        if HealthITSystem.objects.filter(organisation=organisation, name__iexact=details["name"]).exists():
            raise DomainError(f"{organisation.name} already has a system called {details['name']}.")
        system = HealthITSystem.objects.create(organisation=organisation, **{f: details[f] for f in SYSTEM_FIELDS})
        audit_record(
            actor=actor, action="health_it_system.created", target=system, organisation=organisation,
            changes=changes_between({}, snapshot(system, SYSTEM_FIELDS)),
        )
        _live_hash_keep(system)
    return system


def system_update(*, actor, system: HealthITSystem, details: dict) -> HealthITSystem:
    with transaction.atomic():
        system = HealthITSystem.objects.select_for_update().select_related("organisation").get(pk=system.pk)
        _require_editor(actor, system)
        _check_cso(system.organisation, details["cso"])
        before = snapshot(system, SYSTEM_FIELDS)
        for field in SYSTEM_FIELDS:
            setattr(system, field, details[field])
        system.save()
        changes = changes_between(before, snapshot(system, SYSTEM_FIELDS))
        if changes:
            audit_record(
                actor=actor, action="health_it_system.updated", target=system, organisation=system.organisation,
                changes=changes,
            )
            _live_hash_keep(system)
    return system


def hazard_log_live_hashes_fill() -> int:
    """Keep the live hash of every system that has none yet (made before it was kept, or loaded in
    bulk); `make bench` runs it after loading. Returns how many."""
    filled = 0
    for pk in HealthITSystem.objects.filter(live_content_hash="").values_list("pk", flat=True):
        with transaction.atomic():
            _live_hash_keep(HealthITSystem(pk=pk))
        filled += 1
    return filled
