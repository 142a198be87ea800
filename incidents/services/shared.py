"""What the incident services share: the row lock, the reviewer and still-open checks, and raising a red flag."""

from core.domain import DomainError, NotAllowed
from notifications.services import notification_queue

from .. import permissions
from ..escalations import escalation_open
from ..models import Escalation, MedicationIncident, Status
from ..recipients import NO_DIRECTOR, board_directors, incident_url, mso_recipients


def _red_flag_raise(*, incident: MedicationIncident, flags: list[str], cause) -> None:
    """Email the MSO at once and open an escalation to the board director, unless one is open.
    `cause` is the audit event of the report or regrade that raised the flag: each such decision
    tells the MSO once, however often its request is retried. The email says who the escalation
    reached: the director by name, or that none is named."""
    open_escalation = incident.escalations.filter(acknowledged_at__isnull=True).select_related("assigned_to").first()
    directors = [open_escalation.assigned_to] if open_escalation and open_escalation.assigned_to else (
        [] if open_escalation else board_directors(incident.organisation_id))
    context = {
        "reference": incident.reference,
        "organisation": incident.organisation.name,
        "department": incident.department,
        "reasons": flags,
        "physical_harm": incident.get_physical_harm_display(),
        "psychological_harm": incident.get_psychological_harm_display(),
        "url": incident_url(incident),
        "directors": ", ".join(str(d) for d in directors),
        "no_director": NO_DIRECTOR,
    }
    for email in mso_recipients(incident.organisation):
        notification_queue(
            recipient=email,
            subject=f"Red flag: medication incident {incident.reference} needs review now",
            template="incidents/email/red_flag",
            context=context,
            idempotency_key=f"incident-red-flag:{incident.pk}:{cause.pk}:{email}",
        )
    if open_escalation is None:
        escalation_open(
            incident=incident, reason=Escalation.Reason.RED_FLAG, message="Red flag: " + " ".join(flags), raised_by=None
        )


def _locked(incident: MedicationIncident) -> MedicationIncident:
    # The incident's row only: FOR UPDATE on the joined organisation too would hold every report of
    # the organisation at its commit (its foreign keys' KEY SHARE check) and, with the monthly
    # summary's rows between them, deadlock a report against a regrade.
    return MedicationIncident.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=incident.pk)


def _require_reviewer(actor, incident: MedicationIncident) -> None:
    if not permissions.can_review(actor, incident):
        raise NotAllowed("Only the MSO, deputy MSO and medication safety team review incidents.")


def _require_open(incident: MedicationIncident) -> None:
    if incident.status == Status.CLOSED:
        raise DomainError(f"{incident.reference} is closed. Reopen it to change it.")
