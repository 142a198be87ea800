"""What an MSO handover moves in incidents: the leaver's open reviews and open actions go to the
successor. Registered with the registry's handover steps in IncidentsConfig.ready(), so that the
registry never imports incidents; run inside the handover's completion transaction."""

from audit.services import audit_record
from mso_registry.handover_steps import HandoverStepResult

from .models import OPEN_STATUSES, IncidentAction, MedicationIncident


def move_open_reviews(*, handover, leaver, successor, actor) -> HandoverStepResult:
    """The organisation's open incidents the leaver was reviewing become the successor's; each move is audited."""
    organisation = handover.organisation
    incidents = list(
        MedicationIncident.objects.select_for_update(of=("self",))
        .filter(organisation=organisation, reviewer=leaver, status__in=OPEN_STATUSES)
        .order_by("submitted_at", "pk")
    )
    for incident in incidents:
        incident.reviewer = successor
        incident.save(update_fields=["reviewer"])
        audit_record(
            actor=actor, action="incident.reviewer_changed", target=incident, organisation=organisation,
            changes={"reviewer": [leaver.email, successor.email], "why": [None, "MSO handover completed"]},
        )
    return HandoverStepResult(
        heading="Open incidents you now review",
        summary=f"{len(incidents)} open incident{'' if len(incidents) == 1 else 's'} under review",
        lines=tuple(f"{i.reference} ({i.get_status_display().lower()}), {i.department}" for i in incidents),
        moved=len(incidents),
    )


def move_open_actions(*, handover, leaver, successor, actor) -> HandoverStepResult:
    """The leaver's open actions on the organisation's incidents become the successor's; each move is audited."""
    organisation = handover.organisation
    actions = list(
        IncidentAction.objects.select_for_update(of=("self",))
        .filter(organisation=organisation, owner=leaver, done_at__isnull=True)
        .select_related("incident")
        .order_by("due_date", "pk")
    )
    for action in actions:
        # A new owner has not been reminded yet: their overdue chase starts afresh (the MSO's is not repeated).
        action.owner, action.owner_chased_at = successor, None
        action.save(update_fields=["owner", "owner_chased_at"])
        audit_record(
            actor=actor, action="incident.action_reassigned", target=action.incident, organisation=organisation,
            changes={"action": [None, action.description], "owner": [leaver.email, successor.email],
                     "why": [None, "MSO handover completed"]},
        )
    return HandoverStepResult(
        heading="Open actions you now own",
        summary=f"{len(actions)} open action{'' if len(actions) == 1 else 's'}",
        lines=tuple(
            f"{a.incident.reference}: {a.description} (due {a.due_date:%-d %B %Y})" for a in actions
        ),
        moved=len(actions),
    )
