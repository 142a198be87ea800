"""Writes of the duty of candour. Each runs in one transaction that locks the record, checks the
reader may act, writes the audit record and queues any email (outbox keys from the record and step)."""

from datetime import date

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.services import audit_record
from core.domain import DomainError, NotAllowed
from core.working_days import add_working_days
from mso_registry.models import Role
from mso_registry.selectors import organisation_current_role_holders
from notifications.services import notification_queue

from . import candour, permissions
from .models import CandourReason, CandourRecord, MedicationIncident


def _fmt(day: date) -> str:
    return day.strftime("%-d %B %Y")


def candour_on_grade(*, incident: MedicationIncident, actor, note: str, cause) -> CandourRecord | None:
    """Called by incident_grade inside its transaction, with the incident locked and regraded.
    A grade that makes the incident notifiable starts the clock (one live record; a notifiable regrade
    of a notifiable incident keeps the clock it had); a grade below the threshold withdraws the live
    record, and needs the reviewer's reason. Returns the live record, if any."""
    live = incident.candour_records.filter(withdrawn_at__isnull=True).first()
    notifiable = candour.is_notifiable(physical_harm=incident.physical_harm, psychological_harm=incident.psychological_harm)
    if notifiable and live is None:
        now = timezone.now()
        record = CandourRecord.objects.create(
            incident=incident, organisation=incident.organisation, graded_notifiable_at=now, graded_by=actor,
            due_date=candour.notification_due(timezone.localdate(now)),
        )
        audit_record(
            actor=actor, action="incident.candour_started", target=incident, organisation=incident.organisation,
            changes={"duty_of_candour": [None, "notifiable safety incident"], "notify_by": [None, record.due_date.isoformat()],
                     "cause": [None, cause.pk]},
        )
        return record
    if not notifiable and live is not None:
        if not note.strip():
            raise DomainError(
                "This grade is below the duty of candour's threshold. Say in the note why the harm is lower, "
                "so the record shows why the duty no longer applies."
            )
        live.withdrawn_at = timezone.now()
        live.withdrawn_reason = note.strip()
        live.save(update_fields=["withdrawn_at", "withdrawn_reason"])
        audit_record(
            actor=actor, action="incident.candour_withdrawn", target=incident, organisation=incident.organisation,
            changes={"duty_of_candour": ["notifiable safety incident", "no longer required"], "reason": [None, live.withdrawn_reason]},
        )
        return None
    return live


def _locked(record: CandourRecord, actor) -> CandourRecord:
    record = (
        CandourRecord.objects.select_for_update(of=("self",)).select_related("incident__organisation").get(pk=record.pk)
    )
    if not permissions.can_review(actor, record.incident):
        raise NotAllowed("Only the MSO, deputy MSO and medication safety team keep the duty of candour record.")
    if not record.is_live:
        raise DomainError("The duty of candour no longer applies to this incident: it was regraded below the threshold.")
    return record


def _check_day(day: date, record: CandourRecord, what: str) -> None:
    if day > timezone.localdate():
        raise DomainError(f"The date {what} cannot be in the future.")
    if day < timezone.localtime(record.incident.occurred_at).date():
        raise DomainError(f"The date {what} cannot be before the incident happened.")


def _audit(record, actor, action: str, changes: dict):
    return audit_record(actor=actor, action=f"incident.candour_{action}", target=record.incident,
                        organisation=record.organisation, changes=changes)


def _complete_if_notified(record: CandourRecord) -> None:
    # Regulation 20(3) and (4): told in person, then in writing; the later of the two completes it.
    if record.told_in_person_on and record.letter_sent_on and record.completed_on is None:
        record.completed_on = max(record.told_in_person_on, record.letter_sent_on)


def candour_told_in_person(
    *, record: CandourRecord, actor, told_on: date, told_by: str, apology_given: bool, note: str, relevant_person: str,
) -> CandourRecord:
    """Record the notification given in person (Regulation 20(3)(a)-(d)): who was told, when, by whom,
    what was said and the apology."""
    with transaction.atomic():
        record = _locked(record, actor)
        if record.told_in_person_on:
            raise DomainError(f"Telling them in person is already recorded, on {_fmt(record.told_in_person_on)}.")
        if record.not_possible_reason:
            raise DomainError("A reason why they could not be told is recorded; the duty is closed.")
        _check_day(told_on, record, "they were told")
        # Regulation 20(3)(d): the notification must include an apology.
        if not apology_given:
            raise DomainError("The notification in person must include an apology (Regulation 20(3)(d)). "
                              "Record it once an apology has been given.")
        if not told_by.strip() or not note.strip():
            raise DomainError("Say who told them and what was said.")
        record.relevant_person = relevant_person.strip() or record.relevant_person
        record.told_in_person_on, record.told_by = told_on, told_by.strip()
        record.apology_given, record.in_person_note = True, note.strip()
        _complete_if_notified(record)
        record.save()
        _audit(record, actor, "told_in_person", {
            "told_in_person_on": [None, told_on.isoformat()], "told_by": [None, record.told_by],
            "apology_given": [None, True], "relevant_person": [None, record.relevant_person],
        })
    return record


def candour_letter_save(*, record: CandourRecord, actor, letter_text: str) -> CandourRecord:
    """Keep the MSO's edit of the written notification; refused once it has been sent."""
    with transaction.atomic():
        record = _locked(record, actor)
        if record.letter_sent_on:
            raise DomainError(f"The written notification was sent on {_fmt(record.letter_sent_on)}; it is kept as sent.")
        if not letter_text.strip():
            raise DomainError("The letter is empty. Write the letter, or leave the draft as it is.")
        before = record.letter_text
        record.letter_text = letter_text.strip()
        record.save(update_fields=["letter_text"])
        if before != record.letter_text:
            _audit(record, actor, "letter_edited", {"letter": [before or "draft", record.letter_text]})
    return record


def candour_letter_sent(*, record: CandourRecord, actor, sent_on: date, letter_text: str) -> CandourRecord:
    """Record the written notification as sent, with the words sent (Regulation 20(4)): it follows the
    notification in person, and completes the duty's first part when both are done."""
    with transaction.atomic():
        record = _locked(record, actor)
        if record.letter_sent_on:
            raise DomainError(f"The written notification is already recorded as sent, on {_fmt(record.letter_sent_on)}.")
        if not record.told_in_person_on:
            raise DomainError("Record telling them in person first: the written notification follows it (Regulation 20(4)).")
        _check_day(sent_on, record, "the letter was sent")
        if sent_on < record.told_in_person_on:
            raise DomainError("The letter cannot have been sent before they were told in person.")
        if not letter_text.strip():
            raise DomainError("The letter is empty. Write the letter before recording it as sent.")
        record.letter_text, record.letter_sent_on = letter_text.strip(), sent_on
        _complete_if_notified(record)
        record.save()
        _audit(record, actor, "letter_sent", {"letter_sent_on": [None, sent_on.isoformat()], "letter": [None, record.letter_text],
                                               "completed_in_time": [None, record.completed_in_time]})
    return record


def candour_findings_shared(*, record: CandourRecord, actor, shared_on: date, note: str) -> CandourRecord:
    """Record that the findings of the enquiries were shared (Regulation 20(3)(c), 20(4)(c))."""
    with transaction.atomic():
        record = _locked(record, actor)
        if record.findings_shared_on:
            raise DomainError(f"Sharing the findings is already recorded, on {_fmt(record.findings_shared_on)}.")
        if not record.completed_on or record.not_possible_reason:
            raise DomainError("Findings are shared after they have been told in person and in writing.")
        _check_day(shared_on, record, "the findings were shared")
        if not note.strip():
            raise DomainError("Say what was shared and how.")
        record.findings_shared_on, record.findings_note = shared_on, note.strip()
        record.save(update_fields=["findings_shared_on", "findings_note"])
        _audit(record, actor, "findings_shared", {"findings_shared_on": [None, shared_on.isoformat()], "note": [None, record.findings_note]})
    return record


def candour_not_possible(*, record: CandourRecord, actor, reason: str, note: str, recorded_on: date) -> CandourRecord:
    """Record why the notification was not given: declined, not contactable after reasonable attempts, or
    the patient died with no one to act for them (CQC guidance: keep a record of the attempts)."""
    if reason not in CandourReason.values:
        raise DomainError("Choose why they could not be told.")
    with transaction.atomic():
        record = _locked(record, actor)
        if record.completed_on:
            raise DomainError("The notification is already recorded as given; nothing to explain.")
        _check_day(recorded_on, record, "of the decision")
        if not note.strip():
            raise DomainError("Describe the attempts made, or who declined and when: CQC expects a record of them.")
        record.not_possible_reason, record.not_possible_note = reason, note.strip()
        record.completed_on = recorded_on
        record.save(update_fields=["not_possible_reason", "not_possible_note", "completed_on"])
        _audit(record, actor, "not_possible", {"reason": [None, record.get_not_possible_reason_display()],
                                                "note": [None, record.not_possible_note]})
    return record


# --- Chasers ------------------------------------------------------------------------------------


def _director_chase_after() -> int:
    return settings.CANDOUR_DIRECTOR_CHASE_AFTER_WORKING_DAYS


def _people(record: CandourRecord, roles) -> list[str]:
    emails = [a.user.email for a in organisation_current_role_holders(record.organisation) if a.role in roles]
    return list(dict.fromkeys(e.lower() for e in emails))


def _chase_context(record: CandourRecord) -> dict:
    return {
        "reference": record.incident.reference, "organisation": record.organisation.name,
        "due_date": _fmt(record.due_date), "state": record.state,
        "url": settings.SITE_URL.rstrip("/") + reverse("incidents:candour_detail", args=[record.incident.reference]),
        "link_text": "Open the record",
    }


def candour_chase_overdue(*, today: date | None = None) -> int:
    """Overdue candour is chased once to the MSO team on the first day it is overdue, then once to the
    board director when still not done CANDOUR_DIRECTOR_CHASE_AFTER_WORKING_DAYS after it was due. With no
    board director named, the MSO team is told that no director could be told, and the audit says so.
    Returns the number of chase steps taken."""
    today = today or timezone.localdate()
    steps = 0
    due_ids = list(CandourRecord.objects.filter(completed_on__isnull=True, withdrawn_at__isnull=True, due_date__lt=today)
                   .filter(chased_director_at__isnull=True).values_list("pk", flat=True))
    for pk in due_ids:
        with transaction.atomic():
            record = (CandourRecord.objects.select_for_update(skip_locked=True, of=("self",))
                      .select_related("incident", "organisation")
                      .filter(pk=pk, completed_on__isnull=True, withdrawn_at__isnull=True).first())
            if record is None:
                continue
            if record.chased_mso_at is None:
                steps += _chase_mso(record)
            elif today > add_working_days(record.due_date, _director_chase_after()):
                steps += _chase_director(record)
    return steps


def _chase_mso(record: CandourRecord) -> int:
    record.chased_mso_at = timezone.now()
    record.save(update_fields=["chased_mso_at"])
    recipients = _people(record, (Role.MSO, Role.DEPUTY_MSO))
    if record.organisation.generic_mso_email:
        recipients = list(dict.fromkeys([*recipients, record.organisation.generic_mso_email.lower()]))
    _audit(record, None, "chased", {"chased": [None, "MSO team"], "emailed": [None, recipients]})
    for email in recipients:
        notification_queue(
            recipient=email, subject=f"Duty of candour overdue: {record.incident.reference}",
            template="incidents/email/candour_chase", context={**_chase_context(record), "to_director": False},
            idempotency_key=f"candour-chase:{record.pk}:mso:{email}",
        )
    return 1


def _chase_director(record: CandourRecord) -> int:
    record.chased_director_at = timezone.now()
    record.save(update_fields=["chased_director_at"])
    directors = _people(record, (Role.BOARD_DIRECTOR,))
    if directors:
        _audit(record, None, "chased", {"chased": [None, "board director"], "emailed": [None, directors]})
        for email in directors:
            notification_queue(
                recipient=email, subject=f"Duty of candour overdue at {record.organisation.name}: {record.incident.reference}",
                template="incidents/email/candour_chase",
                # The director reads the dashboard's candour figures; the record itself is the MSO team's.
                context={**_chase_context(record), "to_director": True, "link_text": "See the dashboard",
                         "url": settings.SITE_URL.rstrip("/") + reverse("incidents:dashboard")},
                idempotency_key=f"candour-chase:{record.pk}:director:{email}",
            )
        return 1
    # No board director is named: nobody is told as if they were; the MSO team hears that no one was.
    mso_team = _people(record, (Role.MSO, Role.DEPUTY_MSO))
    _audit(record, None, "chased", {"chased": [None, "no board director is named: not sent to a director"],
                                    "emailed": [None, mso_team]})
    for email in mso_team:
        notification_queue(
            recipient=email, subject=f"Duty of candour overdue, and no board director to tell: {record.incident.reference}",
            template="incidents/email/candour_chase", context={**_chase_context(record), "no_director": True},
            idempotency_key=f"candour-chase:{record.pk}:no-director:{email}",
        )
    return 1
