"""An incident's actions: adding one and marking it done (its owner's side is in incidents.actions)."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from core.domain import DomainError
from mso_registry.selectors import current_roles_of
from submissions.services import submission_claim, submission_made

from ..actions import action_owner_tell
from ..models import IncidentAction, MedicationIncident
from .shared import _locked, _require_open, _require_reviewer


ACTION_PURPOSE = "incident.action"


def incident_action_add(
    *, incident: MedicationIncident, actor, description: str, owner, due_date: date, submission_key: str = ""
) -> IncidentAction:
    """Add an action; its owner must hold a current role in the incident's organisation. The same
    form sent again raises AlreadySubmitted with the first action."""
    with transaction.atomic():
        incident = _locked(incident)
        _require_reviewer(actor, incident)
        claim = submission_claim(key=submission_key, user=actor, purpose=f"{ACTION_PURPOSE}:{incident.pk}")
        _require_open(incident)
        if not any(a.organisation_id == incident.organisation_id for a in current_roles_of(owner)):
            raise DomainError(f"{owner} does not hold a role in {incident.organisation.name}; choose someone who does.")
        action = IncidentAction.objects.create(
            incident=incident, organisation_id=incident.organisation_id, incident_submitted_at=incident.submitted_at,
            description=description.strip(), owner=owner,
            due_date=due_date, created_by=actor,
        )
        event = audit_record(
            actor=actor, action="incident.action_added", target=incident, organisation=incident.organisation,
            changes={"action": [None, action.description], "owner": [None, owner.email], "due_date": [None, due_date.isoformat()]},
        )
        action_owner_tell(action=action, event=event)
        submission_made(claim, action)
    return action


def incident_action_complete(*, action: IncidentAction, actor, note: str = "") -> IncidentAction:
    """Mark an action done, with the evidence: its owner or the review team may. The pages ask for
    the note; it is kept on the action and in the audit record."""
    note = (note or "").strip()
    with transaction.atomic():
        action = IncidentAction.objects.select_for_update(of=("self",)).select_related("incident__organisation").get(pk=action.pk)
        incident = action.incident
        if action.owner_id != actor.pk:
            _require_reviewer(actor, incident)
        if action.done_at:
            raise DomainError("This action is already done.")
        action.done_at, action.done_by, action.done_note = timezone.now(), actor, note
        action.save(update_fields=["done_at", "done_by", "done_note"])
        audit_record(
            actor=actor, action="incident.action_completed", target=incident, organisation=incident.organisation,
            changes={"action": [action.description, "done"], **({"evidence": [None, note]} if note else {})},
        )
    return action
