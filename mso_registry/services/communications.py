"""National communications: the registry administrator writes to the generic MSO mailbox of every
organisation chosen, and each MSO (or deputy) acknowledges and completes what it asks.

Sending to 1,500 organisations is one transaction of a few bulk queries; the emails leave afterwards,
in batches, from Celery (notifications.services.notifications_queue_many)."""

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.services import audit_record
from core.domain import DomainError, NotAllowed
from notifications.services import notification_queue, notifications_queue_many
from submissions.services import submission_claim, submission_made

from .. import permissions
from ..models import (
    ACKNOWLEDGEMENT_TRANSITIONS,
    COMMUNICATION_TRANSITIONS,
    CommunicationRecipient,
    NationalCommunication,
    Organisation,
    OrganisationType,
    Region,
    Role,
    RoleAssignment,
)
from ..selectors import communication_audience

# After the reminder, the organisation has this long to act before its board director is told.
DIRECTOR_TOLD_AFTER_REMINDER = timedelta(days=7)

State = CommunicationRecipient.State


def _url(communication: NationalCommunication) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("mso_registry:communication_detail", args=[communication.pk])


def _audience(*, region: str, organisation_type: str, icb: Organisation | None) -> dict:
    if region and region not in Region.values:
        raise DomainError("Choose an NHS England region from the list.")
    if organisation_type and organisation_type not in OrganisationType.values:
        raise DomainError("Choose an organisation type from the list.")
    if icb is not None and icb.organisation_type != OrganisationType.ICB:
        raise DomainError(f"{icb.name} is not an ICB.")
    return {key: value for key, value in {"region": region, "organisation_type": organisation_type,
                                          "icb": icb.pk if icb else None}.items() if value}


def communication_create(
    *,
    actor,
    title: str,
    kind: str,
    body: str,
    action_required_by: date | None = None,
    region: str = "",
    organisation_type: str = "",
    icb: Organisation | None = None,
    submission_key: str = "",
) -> NationalCommunication:
    """A draft, with its recipients chosen; nothing is sent until communication_send. The same form
    sent again raises AlreadySubmitted with the first draft."""
    if not permissions.can_send_communications(actor):
        raise NotAllowed("Only the national registry administrator writes national communications.")
    if kind not in NationalCommunication.Kind.values:
        raise DomainError("Choose whether this is a Medication Safety Update or an alert needing action.")
    if kind == NationalCommunication.Kind.ACTION_REQUIRED:
        if action_required_by is None:
            raise DomainError("An alert needing action needs the date by which to act.")
        if action_required_by < timezone.localdate():
            raise DomainError("The date to act by is in the past.")
    else:
        action_required_by = None
    if not title.strip() or not body.strip():
        raise DomainError("Write a title and the message.")
    audience = _audience(region=region, organisation_type=organisation_type, icb=icb)
    with transaction.atomic():
        claim = submission_claim(key=submission_key, user=actor, purpose="communication.draft")
        communication = NationalCommunication.objects.create(
            title=title.strip(), kind=kind, body=body.strip(), action_required_by=action_required_by,
            audience=audience, created_by=actor,
        )
        audit_record(
            actor=actor, action="communication.drafted", target=communication,
            changes={"title": [None, communication.title], "kind": [None, kind], "audience": [None, audience]},
        )
        submission_made(claim, communication)
    return communication


def communication_send(*, actor, communication: NationalCommunication, submission_key: str = "") -> int:
    """Send a draft to every organisation in its audience, once. Locks the communication; writes one
    copy per organisation and one outbox row per generic mailbox in the same transaction, and returns
    the number of organisations. Organisations without a mailbox get their copy (it shows on their
    MSO's home page) and are listed on the tracking page as not emailed. A second send is refused;
    the same form sent again raises AlreadySubmitted instead (its sender is told it went, once)."""
    if not permissions.can_send_communications(actor):
        raise NotAllowed("Only the national registry administrator sends national communications.")
    with transaction.atomic():
        communication = NationalCommunication.objects.select_for_update().get(pk=communication.pk)
        submission_claim(
            key=submission_key, user=actor, purpose=f"communication.send:{communication.pk}", target=communication
        )
        if NationalCommunication.Status.SENT not in COMMUNICATION_TRANSITIONS[communication.status]:
            raise DomainError(
                f"“{communication.title}” was already sent on {timezone.localtime(communication.sent_at):%-d %B %Y at %H:%M}; "
                "it is not sent again."
            )
        organisations = list(communication_audience(**communication.audience).only("pk", "name", "generic_mso_email"))
        if not organisations:
            raise DomainError("No organisation matches these recipients; nothing was sent.")
        now = timezone.now()
        CommunicationRecipient.objects.bulk_create(
            [CommunicationRecipient(communication=communication, organisation=o, mailbox=o.generic_mso_email)
             for o in organisations],
            batch_size=1000,
        )
        communication.status = NationalCommunication.Status.SENT
        communication.sent_by, communication.sent_at = actor, now
        communication.save(update_fields=["status", "sent_by", "sent_at"])
        without_mailbox = [o for o in organisations if not o.generic_mso_email]
        audit_record(
            actor=actor, action="communication.sent", target=communication,
            changes={
                "status": [NationalCommunication.Status.DRAFT.value, NationalCommunication.Status.SENT.value],
                "organisations": [None, len(organisations)],
                "not_emailed_no_mailbox": [None, len(without_mailbox)],
            },
        )
        context = {
            "title": communication.title,
            "kind": communication.get_kind_display(),
            "heading": communication.heading,
            "body": communication.body,
            "action_required_by": communication.action_required_by.strftime("%-d %B %Y")
            if communication.action_required_by else "",
            "url": _url(communication),
        }
        notifications_queue_many([
            {
                "recipient": o.generic_mso_email,
                "subject": communication.heading,
                "template": "mso_registry/email/communication",
                "context": {**context, "organisation": o.name},
                "idempotency_key": f"national-communication:{communication.pk}:{o.pk}",
            }
            for o in organisations
            if o.generic_mso_email
        ])
    return len(organisations)


def communication_acknowledge(*, actor, recipient: CommunicationRecipient, state: str, note: str = "") -> CommunicationRecipient:
    """The organisation's MSO or deputy marks its copy received, or the action complete with a note.
    Locks the copy; the move must be allowed from where it is now. Completion is emailed to the
    generic mailbox, so that the rest of the team knows it is done."""
    note = note.strip()
    with transaction.atomic():
        recipient = (
            CommunicationRecipient.objects.select_for_update(of=("self",))
            .select_related("communication", "organisation")
            .get(pk=recipient.pk)
        )
        if not permissions.can_acknowledge_communication(actor, recipient):
            raise NotAllowed("Only the organisation's MSO or deputy MSO acknowledges national communications.")
        if state == State.COMPLETED and not recipient.communication.needs_action:
            raise DomainError("This communication asks for no action: mark it received.")
        if state not in ACKNOWLEDGEMENT_TRANSITIONS[recipient.state]:
            raise DomainError(f"This is already marked “{recipient.get_state_display().lower()}”.")
        if state == State.COMPLETED and not note:
            raise DomainError("Say what was done, so that the record shows it.")
        before = recipient.state
        now = timezone.now()
        if recipient.received_at is None:
            recipient.received_at, recipient.received_by = now, actor
        if state == State.COMPLETED:
            recipient.completed_at, recipient.completed_by, recipient.action_note = now, actor, note
        recipient.state = state
        recipient.save(update_fields=["state", "received_at", "received_by", "completed_at", "completed_by", "action_note"])
        audit_record(
            actor=actor, action=f"communication.{state}", target=recipient.communication, organisation=recipient.organisation,
            changes={"state": [before, state], **({"action_note": [None, note]} if note else {})},
        )
        if state == State.COMPLETED and recipient.organisation.generic_mso_email:
            notification_queue(
                recipient=recipient.organisation.generic_mso_email,
                subject=f"Action complete: {recipient.communication.title}",
                template="mso_registry/email/communication_completed",
                context={
                    "title": recipient.communication.title, "organisation": recipient.organisation.name,
                    "person": str(actor), "note": note, "url": _url(recipient.communication),
                },
                idempotency_key=f"communication-completed:{recipient.pk}",
            )
    return recipient


def _holders(organisation_ids, roles) -> dict[int, list[str]]:
    emails: dict[int, list[str]] = {}
    for a in RoleAssignment.objects.current().filter(organisation_id__in=organisation_ids, role__in=roles).select_related("user"):
        emails.setdefault(a.organisation_id, []).append(a.user.email)
    return emails


def _overdue():
    return CommunicationRecipient.objects.filter(
        communication__status=NationalCommunication.Status.SENT,
        communication__kind=NationalCommunication.Kind.ACTION_REQUIRED,
        communication__action_required_by__lt=timezone.localdate(),
    ).exclude(state=State.COMPLETED)


def communication_reminders_send() -> dict:
    """Celery beat: an organisation that has not completed an action by the deadline is reminded
    (its generic mailbox, MSO and deputy); a week after the reminder its board director is told.
    Each once: the copy records when, and each email has its own idempotency key. Copies another
    run holds are skipped, not waited for."""
    return {"reminded": _remind(), "directors_told": _tell_directors()}


def _remind() -> int:
    with transaction.atomic():
        copies = list(
            _overdue().filter(reminded_at__isnull=True)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("communication", "organisation")
        )
        if not copies:
            return 0
        now = timezone.now()
        people = _holders([c.organisation_id for c in copies], [Role.MSO, Role.DEPUTY_MSO])
        rows = []
        for copy in copies:
            copy.reminded_at = now
            recipients = dict.fromkeys(e.lower() for e in [copy.mailbox, *people.get(copy.organisation_id, [])] if e)
            for email in recipients:
                rows.append({
                    "recipient": email,
                    "subject": f"Reminder: action was due by {copy.communication.action_required_by:%-d %B %Y}: "
                               f"{copy.communication.title}",
                    "template": "mso_registry/email/communication_reminder",
                    "context": {
                        "title": copy.communication.title, "organisation": copy.organisation.name,
                        "action_required_by": copy.communication.action_required_by.strftime("%-d %B %Y"),
                        "state": copy.get_state_display(), "url": _url(copy.communication),
                    },
                    "idempotency_key": f"communication-reminder:{copy.pk}:{email}",
                })
        CommunicationRecipient.objects.bulk_update(copies, ["reminded_at"], batch_size=1000)
        _audit_per_communication(copies, "communication.reminded")
        notifications_queue_many(rows)
    return len(copies)


def _tell_directors() -> int:
    with transaction.atomic():
        copies = list(
            _overdue().filter(
                reminded_at__lte=timezone.now() - DIRECTOR_TOLD_AFTER_REMINDER, director_told_at__isnull=True
            )
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("communication", "organisation")
        )
        if not copies:
            return 0
        now = timezone.now()
        directors = _holders([c.organisation_id for c in copies], [Role.BOARD_DIRECTOR])
        rows = []
        for copy in copies:
            copy.director_told_at = now
            for email in directors.get(copy.organisation_id, []):
                rows.append({
                    "recipient": email,
                    "subject": f"{copy.organisation.name} has not completed a national medication safety action",
                    "template": "mso_registry/email/communication_director",
                    "context": {
                        "title": copy.communication.title, "organisation": copy.organisation.name,
                        "action_required_by": copy.communication.action_required_by.strftime("%-d %B %Y"),
                        "reminded_on": timezone.localtime(copy.reminded_at).strftime("%-d %B %Y"),
                        "state": copy.get_state_display(), "url": _url(copy.communication),
                    },
                    "idempotency_key": f"communication-director:{copy.pk}:{email}",
                })
        CommunicationRecipient.objects.bulk_update(copies, ["director_told_at"], batch_size=1000)
        _audit_per_communication(copies, "communication.director_told")
        notifications_queue_many(rows)
    return len(copies)


def _audit_per_communication(copies: list[CommunicationRecipient], action: str) -> None:
    """One audit event per communication naming the organisations, not one per copy."""
    by_communication: dict[int, list[CommunicationRecipient]] = {}
    for copy in copies:
        by_communication.setdefault(copy.communication_id, []).append(copy)
    for group in by_communication.values():
        audit_record(
            actor=None, action=action, target=group[0].communication,
            changes={"organisations": [None, sorted(c.organisation.ods_code for c in group)]},
        )
