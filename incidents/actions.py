"""Actions agreed on review, from their owner's side: the owner is emailed when given one (and when
it is given to someone else), sees it on their home page and its own page, marks it done with the
evidence, and an overdue action is chased once to the owner and then once to the MSO team, each
recorded on the row. Email keys come from the event: the action and the audit event that gave it to
its owner, or the action and the chase's step, never a time."""

from datetime import date

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.services import audit_record
from core.domain import DomainError, NotAllowed
from core.working_days import add_working_days
from mso_registry.selectors import current_roles_of
from notifications.services import notification_queue

from . import permissions
from .models import IncidentAction, Status
from .recipients import mso_recipients, site_url


def action_url(action: IncidentAction) -> str:
    return site_url(reverse("incidents:action_detail", args=[action.pk]))


def action_owner_tell(*, action: IncidentAction, event, reassigned_from=None) -> None:
    """Email the owner that the action is theirs; once per giving (keyed by its audit event)."""
    incident = action.incident
    notification_queue(
        recipient=action.owner.email,
        subject=f"An action for you on medication incident {incident.reference}, due {action.due_date:%-d %B %Y}",
        template="incidents/email/action_assigned",
        context={
            "person": str(action.owner),
            "reference": incident.reference,
            "organisation": incident.organisation.name,
            "description": action.description,
            "due_date": action.due_date.strftime("%-d %B %Y"),
            "given_by": str(event.actor) if event.actor else "MedSafety Hub",
            "reassigned_from": str(reassigned_from) if reassigned_from else "",
            "url": action_url(action),
        },
        idempotency_key=f"action-owner:{action.pk}:{event.pk}",
    )


def incident_action_reassign(*, action: IncidentAction, actor, owner) -> IncidentAction:
    """The MSO team gives an open action to someone else who works for the organisation; audited,
    and the new owner is emailed. Their overdue chase starts afresh; the MSO's is not repeated."""
    with transaction.atomic():
        action = (
            IncidentAction.objects.select_for_update(of=("self",))
            .select_related("incident__organisation", "owner").get(pk=action.pk)
        )
        incident = action.incident
        if not permissions.can_review(actor, incident):
            raise NotAllowed("Only the MSO, deputy MSO and medication safety team give actions to people.")
        if action.done_at:
            raise DomainError("This action is already done; it stays with the person who did it.")
        if owner.pk == action.owner_id:
            raise DomainError(f"{owner} already owns this action.")
        if not any(a.organisation_id == incident.organisation_id for a in current_roles_of(owner)):
            raise DomainError(f"{owner} does not hold a role in {incident.organisation.name}; choose someone who does.")
        before = action.owner
        action.owner, action.owner_chased_at = owner, None
        action.save(update_fields=["owner", "owner_chased_at"])
        event = audit_record(
            actor=actor, action="incident.action_reassigned", target=incident, organisation=incident.organisation,
            changes={"action": [None, action.description], "owner": [before.email, owner.email]},
        )
        action_owner_tell(action=action, event=event, reassigned_from=before)
    return action


def _chase_mso_after() -> int:
    return settings.INCIDENT_ACTION_MSO_CHASE_AFTER_WORKING_DAYS


def _chase_context(action: IncidentAction) -> dict:
    return {
        "person": str(action.owner),
        "owner": str(action.owner),
        "reference": action.incident.reference,
        "organisation": action.incident.organisation.name,
        "description": action.description,
        "due_date": action.due_date.strftime("%-d %B %Y"),
        "url": action_url(action),
    }


def actions_chase_overdue(*, today: date | None = None) -> int:
    """Each open action past its due date is chased once to its owner; if still open
    INCIDENT_ACTION_MSO_CHASE_AFTER_WORKING_DAYS working days later, once to the MSO team (the MSO,
    deputy and generic mailbox). Each step is recorded on the row and audited. Returns emails queued."""
    today = today or timezone.localdate()
    queued = 0
    overdue = IncidentAction.objects.filter(done_at__isnull=True, due_date__lt=today, mso_chased_at__isnull=True)
    for pk in list(overdue.values_list("pk", flat=True)):
        with transaction.atomic():
            action = (
                IncidentAction.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("incident__organisation", "owner")
                .filter(pk=pk, done_at__isnull=True, mso_chased_at__isnull=True).first()
            )
            if action is None or action.incident.status == Status.CLOSED:
                continue
            incident = action.incident
            now = timezone.now()
            if action.owner_chased_at is None:
                action.owner_chased_at = now
                action.save(update_fields=["owner_chased_at"])
                audit_record(actor=None, action="incident.action_chased", target=incident, organisation=incident.organisation,
                             changes={"action": [None, action.description], "chased": [None, action.owner.email]})
                notification_queue(
                    recipient=action.owner.email,
                    subject=f"Overdue: your action on medication incident {incident.reference} was due {action.due_date:%-d %B %Y}",
                    template="incidents/email/action_overdue_owner",
                    context=_chase_context(action),
                    idempotency_key=f"action-overdue:{action.pk}:owner:{action.owner_id}",
                )
                queued += 1
                continue
            chased_on = timezone.localtime(action.owner_chased_at).date()
            if today < add_working_days(chased_on, _chase_mso_after()):
                continue
            recipients = mso_recipients(incident.organisation)
            action.mso_chased_at = now
            action.save(update_fields=["mso_chased_at"])
            audit_record(actor=None, action="incident.action_chased", target=incident, organisation=incident.organisation,
                         changes={"action": [None, action.description], "chased": [None, ", ".join(recipients) or "nobody"]})
            for email in recipients:
                notification_queue(
                    recipient=email,
                    subject=f"Still overdue: an action on medication incident {incident.reference} (owner {action.owner})",
                    template="incidents/email/action_overdue_mso",
                    context={**_chase_context(action), "owner_chased_on": chased_on.strftime("%-d %B %Y"),
                             "url": site_url(reverse("incidents:incident_detail", args=[incident.reference]))},
                    idempotency_key=f"action-overdue:{action.pk}:mso:{email}",
                )
                queued += 1
    return queued

