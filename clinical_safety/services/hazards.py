"""Hazards: adding, rescoring and editing one, and its controls."""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from audit.labels import fields_in_words
from audit.services import audit_record, changes_between, snapshot

from ..models import Hazard, HazardControl, HealthITSystem
from .shared import (
    HAZARD_AUDIT_FIELDS,
    SCORE_FIELDS,
    _apply_hazard_details,
    _live_hash_keep,
    _record_score,
    _require_editor,
    _safety_cases_mark_out_of_date,
)


def hazard_create(*, actor, system: HealthITSystem, details: dict) -> Hazard:
    """Add a hazard numbered next in the system's log; its first scores start the scoring history.
    Locks the system so that two hazards never get the same number."""
    with transaction.atomic():
        system = HealthITSystem.objects.select_for_update().select_related("organisation").get(pk=system.pk)
        _require_editor(actor, system)
        number = (system.hazards.aggregate(n=Max("number"))["n"] or 0) + 1
        now = timezone.now()
        hazard = Hazard(system=system, number=number, created_at=now, updated_at=now)
        _apply_hazard_details(hazard, details)
        hazard.save()
        _record_score(hazard, actor)
        audit_record(
            actor=actor, action="hazard.created", target=hazard, organisation=system.organisation,
            changes=changes_between({}, snapshot(hazard, HAZARD_AUDIT_FIELDS)),
        )
        _safety_cases_mark_out_of_date(
            system=system, actor=actor, reason=f"{hazard.reference} ({hazard.title}) was added to the hazard log"
        )
        _live_hash_keep(system)
    return hazard


def hazard_update(*, actor, hazard: Hazard, details: dict) -> Hazard:
    """Change a hazard. A change of score adds to its scoring history; any change marks the
    system's approved safety case out of date."""
    with transaction.atomic():
        hazard = Hazard.objects.select_for_update().select_related("system__organisation").get(pk=hazard.pk)
        _require_editor(actor, hazard.system)
        before = snapshot(hazard, HAZARD_AUDIT_FIELDS)
        scores_before = snapshot(hazard, SCORE_FIELDS)
        _apply_hazard_details(hazard, details)
        changes = changes_between(before, snapshot(hazard, HAZARD_AUDIT_FIELDS))
        if not changes:
            return hazard
        hazard.updated_at = timezone.now()
        hazard.save()
        if changes_between(scores_before, snapshot(hazard, SCORE_FIELDS)):
            _record_score(hazard, actor)
        audit_record(
            actor=actor, action="hazard.updated", target=hazard, organisation=hazard.system.organisation,
            changes=changes,
        )
        _safety_cases_mark_out_of_date(
            system=hazard.system, actor=actor,
            reason=f"{hazard.reference} ({hazard.title}) was changed: {fields_in_words(Hazard, changes)}",
        )
        _live_hash_keep(hazard.system)
    return hazard


def hazard_control_add(*, actor, hazard: Hazard, details: dict) -> HazardControl:
    with transaction.atomic():
        hazard = Hazard.objects.select_for_update().select_related("system__organisation").get(pk=hazard.pk)
        _require_editor(actor, hazard.system)
        control = HazardControl.objects.create(
            hazard=hazard,
            added_by=actor,
            control_type=details["control_type"],
            description=details["description"],
            verification=details.get("verification", ""),
            verified_on=details.get("verified_on"),
        )
        hazard.updated_at = timezone.now()
        hazard.save(update_fields=["updated_at"])
        audit_record(
            actor=actor, action="hazard.control_added", target=hazard, organisation=hazard.system.organisation,
            changes=changes_between(
                {}, snapshot(control, ["control_type", "description", "verification", "verified_on"])
            ),
        )
        _safety_cases_mark_out_of_date(
            system=hazard.system, actor=actor,
            reason=f"A control was added to {hazard.reference} ({hazard.title})",
        )
        _live_hash_keep(hazard.system)
    return control
