"""Escalation of an incident to the organisation's board director for medication safety: opened by
a red flag or by the MSO, acknowledged by the director, chased once when overdue. An organisation
may name no director (a vacancy): then the escalation says so, goes to the MSO team and the national
registry administrator as a vacancy to fill, is not chased at nobody, and becomes the director's
when one is named (`escalations_give_to_director`, on the registry's role_assigned signal)."""

from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from audit.services import audit_record
from core.domain import DomainError, NotAllowed
from mso_registry.models import Role
from notifications.services import notification_queue

from . import permissions
from .models import Escalation, MedicationIncident
from .recipients import NO_DIRECTOR, acknowledge_by_from, board_directors, incident_url, mso_recipients, site_url


def _escalation_list_url() -> str:
    return site_url(reverse("incidents:escalation_list"))


def _raised_by(escalation: Escalation) -> str:
    return str(escalation.raised_by) if escalation.raised_by else "MedSafety Hub (red flag at submission)"


def _tell_director(escalation: Escalation, director, *, key: str, template: str, subject: str) -> None:
    incident = escalation.incident
    notification_queue(
        recipient=director.email,
        subject=subject,
        template=template,
        context={
            "person": str(director),
            "reference": incident.reference,
            "organisation": escalation.organisation.name,
            "message": escalation.message,
            "raised_by": _raised_by(escalation),
            "raised_at": timezone.localtime(escalation.raised_at).strftime("%-d %B %Y"),
            "acknowledge_by": escalation.acknowledge_by.strftime("%-d %B %Y"),
            "url": _escalation_list_url(),
        },
        idempotency_key=key,
    )


def _tell_vacancy(escalation: Escalation) -> list[str]:
    """No director to escalate to: the MSO team and the national registry administrator are told,
    the registry as a vacancy to fill. The registry does not see incidents, so its email carries
    the reference and why, not the MSO's message. Returns who was emailed."""
    incident, organisation = escalation.incident, escalation.organisation
    context = {
        "reference": incident.reference,
        "organisation": organisation.name,
        "ods_code": organisation.ods_code,
        "reason": escalation.get_reason_display(),
        "raised_by": _raised_by(escalation),
        "no_director": NO_DIRECTOR,
    }
    recipients = [(email, {**context, "for_registry": False, "url": incident_url(incident)})
                  for email in mso_recipients(organisation)]
    record_url = site_url(reverse("mso_registry:organisation_detail", args=[organisation.ods_code]))
    recipients.append((settings.NATIONAL_REGISTRY_EMAIL, {**context, "for_registry": True, "url": record_url}))
    for email, email_context in recipients:
        notification_queue(
            recipient=email,
            subject=f"{NO_DIRECTOR} at {organisation.name}: escalation of {incident.reference} has no one to acknowledge it",
            template="incidents/email/escalation_vacancy",
            context=email_context,
            idempotency_key=f"escalation-vacancy:{escalation.pk}:{email.lower()}",
        )
    return [email for email, _ in recipients]


def escalation_open(*, incident: MedicationIncident, reason: str, message: str, raised_by) -> Escalation:
    """Open an escalation in the caller's transaction: to the board director, emailed; or, with none
    named, as a vacancy told to the MSO team and the national registry administrator."""
    directors = board_directors(incident.organisation_id)
    now = timezone.now()
    escalation = Escalation.objects.create(
        incident=incident,
        organisation=incident.organisation,
        reason=reason,
        message=message,
        raised_by=raised_by,
        raised_at=now,
        acknowledge_by=acknowledge_by_from(timezone.localdate()),
        assigned_to=directors[0] if directors else None,
        assigned_at=now if directors else None,
    )
    audit_record(
        actor=raised_by,
        action="incident.escalated",
        target=incident,
        organisation=incident.organisation,
        changes={
            "escalation": [None, escalation.get_reason_display()],
            "message": [None, message],
            "acknowledge_by": [None, escalation.acknowledge_by.isoformat()],
            "board director": [None, ", ".join(str(d) for d in directors) or NO_DIRECTOR],
        },
    )
    for director in directors:
        _tell_director(
            escalation, director, key=f"escalation-raised:{escalation.pk}:{director.email}",
            template="incidents/email/escalation_raised",
            subject=f"Escalation to the board director: medication incident {incident.reference}",
        )
    if not directors:
        _tell_vacancy(escalation)
    return escalation


def incident_escalate(*, incident: MedicationIncident, actor, message: str) -> Escalation:
    """The MSO or deputy escalates to the board director, who is emailed (or, with none named, the
    vacancy is told); one open escalation at a time."""
    if not message.strip():
        raise DomainError("Write a message for the board director.")
    try:
        with transaction.atomic():
            incident = MedicationIncident.objects.select_for_update().select_related("organisation").get(pk=incident.pk)
            if not permissions.can_escalate(actor, incident):
                raise NotAllowed("Only the MSO or deputy MSO escalates to the board director.")
            if incident.escalations.filter(acknowledged_at__isnull=True).exists():
                raise DomainError(f"{incident.reference} is already escalated and waiting for the director.")
            return escalation_open(incident=incident, reason=Escalation.Reason.MSO, message=message.strip(), raised_by=actor)
    except IntegrityError as error:  # a concurrent escalation won the race
        raise DomainError(f"{incident.reference} is already escalated and waiting for the director.") from error


def escalation_acknowledge(*, escalation: Escalation, actor, comment: str) -> Escalation:
    """The board director acknowledges with a comment; the MSO team is told, once."""
    if not comment.strip():
        raise DomainError("Add a comment: what you have noted or will do.")
    with transaction.atomic():
        escalation = Escalation.objects.select_for_update().select_related("incident", "organisation").get(pk=escalation.pk)
        if not permissions.can_acknowledge(actor, escalation):
            raise NotAllowed("Only the organisation's board director acknowledges escalations.")
        if escalation.acknowledged_at:
            raise DomainError("This escalation is already acknowledged.")
        escalation.acknowledged_at = timezone.now()
        escalation.acknowledged_by = actor
        escalation.acknowledgement = comment.strip()
        escalation.save(update_fields=["acknowledged_at", "acknowledged_by", "acknowledgement"])
        incident = escalation.incident
        audit_record(
            actor=actor, action="incident.escalation_acknowledged", target=incident, organisation=escalation.organisation,
            changes={"acknowledgement": [None, escalation.acknowledgement]},
        )
        for email in mso_recipients(escalation.organisation):
            notification_queue(
                recipient=email,
                subject=f"The board director acknowledged the escalation of {incident.reference}",
                template="incidents/email/escalation_acknowledged",
                context={
                    "reference": incident.reference,
                    "director": str(actor),
                    "comment": escalation.acknowledgement,
                    "url": incident_url(incident),
                },
                idempotency_key=f"escalation-acknowledged:{escalation.pk}:{email}",
            )
    return escalation


def escalations_chase_overdue(*, today: date | None = None) -> int:
    """Email the board director once about each escalation past its acknowledge-by date. With no
    director named there is no one to chase: the escalation is left unchased (the vacancy was told
    when it was raised), and its director gets a fresh date when named. Returns how many were chased."""
    today = today or timezone.localdate()
    chased = 0
    overdue_ids = list(
        Escalation.objects.filter(acknowledged_at__isnull=True, chased_at__isnull=True, acknowledge_by__lt=today)
        .values_list("pk", flat=True)
    )
    for pk in overdue_ids:
        with transaction.atomic():
            escalation = (
                Escalation.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("incident", "organisation")
                .filter(pk=pk, acknowledged_at__isnull=True, chased_at__isnull=True)
                .first()
            )
            if escalation is None:
                continue
            directors = board_directors(escalation.organisation_id)
            if not directors:
                continue
            escalation.chased_at = timezone.now()
            escalation.save(update_fields=["chased_at"])
            audit_record(
                actor=None, action="incident.escalation_chased", target=escalation.incident,
                organisation=escalation.organisation,
                changes={"acknowledge_by": [escalation.acknowledge_by.isoformat(), "overdue"],
                         "chased": [None, ", ".join(str(d) for d in directors)]},
            )
            for director in directors:
                _tell_director(
                    escalation, director, key=f"escalation-chase:{escalation.pk}:{director.email}",
                    template="incidents/email/escalation_chase",
                    subject=f"Reminder: please acknowledge the escalation of {escalation.incident.reference}",
                )
            chased += 1
    return chased


def escalations_give_to_director(*, assignment, actor) -> list[Escalation]:
    """A board director has been named: the organisation's open escalations that no current director
    holds (raised during the vacancy, or held by a director who has left) become theirs, with a fresh
    acknowledge-by date, audited, and each emailed to them once (keyed by escalation and assignment).
    Runs in role_assign's transaction."""
    user, organisation = assignment.user, assignment.organisation
    holders = [d.pk for d in board_directors(organisation.pk) if d.pk != user.pk]
    open_escalations = (
        Escalation.objects.select_for_update(of=("self",))
        .filter(organisation=organisation, acknowledged_at__isnull=True)
        .filter(Q(assigned_to__isnull=True) | ~Q(assigned_to__in=holders + [user.pk]))
        .select_related("incident", "organisation", "raised_by", "assigned_to")
        .order_by("raised_at", "pk")
    )
    given = []
    now, acknowledge_by = timezone.now(), acknowledge_by_from(timezone.localdate())
    for escalation in open_escalations:
        before = str(escalation.assigned_to) if escalation.assigned_to else NO_DIRECTOR
        old_date = escalation.acknowledge_by.isoformat()
        escalation.assigned_to, escalation.assigned_at = user, now
        escalation.acknowledge_by, escalation.chased_at = acknowledge_by, None
        escalation.save(update_fields=["assigned_to", "assigned_at", "acknowledge_by", "chased_at"])
        audit_record(
            actor=actor, action="incident.escalation_assigned", target=escalation.incident, organisation=organisation,
            changes={"board director": [before, str(user)], "acknowledge_by": [old_date, acknowledge_by.isoformat()]},
        )
        _tell_director(
            escalation, user, key=f"escalation-assigned:{escalation.pk}:{assignment.pk}",
            template="incidents/email/escalation_assigned",
            subject=f"Now yours as board director: escalation of medication incident {escalation.incident.reference}",
        )
        given.append(escalation)
    return given


def on_role_assigned(sender, *, assignment, actor, **kwargs) -> str:
    """Receiver of mso_registry.signals.role_assigned (connected in IncidentsConfig.ready); says what
    it did, for the registry's page."""
    if assignment.role != Role.BOARD_DIRECTOR or not assignment.organisation_id:
        return ""
    given = escalations_give_to_director(assignment=assignment, actor=actor)
    if not given:
        return ""
    references = ", ".join(e.incident.reference for e in given[:5]) + (f" and {len(given) - 5} more" if len(given) > 5 else "")
    return (f"{len(given)} open escalation{'s' if len(given) != 1 else ''} ({references}) "
            f"{'are' if len(given) != 1 else 'is'} now theirs, and they have been emailed.")
