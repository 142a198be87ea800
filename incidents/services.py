"""Writes of medication incidents. Each runs in one transaction with its audit record and the
outbox rows of the emails it causes; every email has an idempotency key, so it is sent once."""

from collections import Counter
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.services import audit_record, changes_between, snapshot
from core.domain import DomainError, NotAllowed
from core.working_days import add_working_days  # noqa: F401 - also read as services.add_working_days
from mso_registry.models import Organisation
from mso_registry.selectors import current_roles_of
from notifications.services import notification_queue, notifications_queue_many
from submissions.services import submission_claim, submission_made, submission_made_by

from . import permissions, rules, selectors
from .candour_services import candour_on_grade
from .actions import action_owner_tell, actions_chase_overdue, incident_action_reassign  # noqa: F401
from .codes import follow_up_code_hash, follow_up_code_new
from .escalations import (  # noqa: F401 - the escalation services, by their old address
    escalation_acknowledge,
    escalation_open,
    escalations_chase_overdue,
    escalations_give_to_director,
    incident_escalate,
)
from .lfpse.services import lfpse_on_change
from .models import (
    BULLETIN_TRANSITIONS,
    TRANSITIONS_BY_NAME,
    BulletinRead,
    Escalation,
    IncidentAction,
    IncidentErrorType,
    IncidentMedicine,
    LearningBulletin,
    MedicationIncident,
    Status,
)
from .recipients import NO_DIRECTOR, board_directors, incident_url, mso_recipients  # noqa: F401
from .references import reference_format, reference_numbers_take
from .summary import incident_cells, report_cells, summary_change
from .validators import is_known_high_alert_medicine, normalise_nhs_number

GRADE_FIELDS = ["physical_harm", "psychological_harm", "ncc_merp_category", "never_event"]
# What each one-time submission key is for (submissions/); a per-object one ends with ":<pk>".
REPORT_PURPOSE = "incident.report"
ACTION_PURPOSE = "incident.action"
BULLETIN_PUBLISH_PURPOSE = "bulletin.publish"


def _next_reference(on: datetime) -> str:
    """MI-<year>-<six digits>, unique nationally, taken without a lock held to commit (references.py)."""
    year = timezone.localtime(on).year
    return reference_format(year, reference_numbers_take(year=year)[0])


def incident_report(
    *,
    reporter,
    organisation: Organisation,
    anonymous: bool,
    occurred_at: datetime,
    department: str,
    stage: str,
    error_types: list[str],
    physical_harm: str,
    psychological_harm: str,
    description: str,
    medicines: list[dict],
    never_event: str = "",
    nhs_number: str = "",
    immediate_action: str = "",
    contributing_factors: list[str] | None = None,
    wants_feedback: bool = True,
    submission_key: str = "",
) -> tuple[MedicationIncident, str | None]:
    """Record a report and give it a reference. An anonymous report keeps no link to its reporter,
    not even in the audit trail, and comes back with its follow-up code (only its hash is stored).
    A red-flag incident emails the MSO and opens an escalation to the board director in the same
    transaction. A form sent again with the same submission key raises AlreadySubmitted with the
    first report, and records nothing."""
    if not permissions.can_report(reporter, organisation):
        raise NotAllowed("You may report incidents only for an organisation you work for.")
    if not medicines:
        raise DomainError("Add at least one medicine.")
    # A known high-alert medicine stays flagged whatever the box said: the red-flag rule depends on it.
    medicines = [{**m, "high_alert": bool(m.get("high_alert")) or is_known_high_alert_medicine(m["name"])} for m in medicines]
    flags = rules.red_flags(
        rules.facts_of(
            physical_harm=physical_harm, psychological_harm=psychological_harm, never_event=never_event, medicines=medicines
        )
    )
    code = follow_up_code_new() if anonymous else None
    now = timezone.now()
    with transaction.atomic():
        claim = submission_claim(key=submission_key, user=reporter, purpose=REPORT_PURPOSE)
        incident = MedicationIncident.objects.create(
            reference=_next_reference(now),
            organisation=organisation,
            reporter=None if anonymous else reporter,
            is_anonymous=anonymous,
            follow_up_code_hash=follow_up_code_hash(code) if code else "",
            occurred_at=occurred_at,
            department=department.strip(),
            stage=stage,
            never_event=never_event or "",
            nhs_number=normalise_nhs_number(nhs_number),
            description=description.strip(),
            immediate_action=immediate_action.strip(),
            contributing_factors=list(contributing_factors or []),
            wants_feedback=wants_feedback,
            reported_physical_harm=physical_harm,
            reported_psychological_harm=psychological_harm,
            physical_harm=physical_harm,
            psychological_harm=psychological_harm,
            high_alert=any(m["high_alert"] for m in medicines),
            red_flags=flags,
            red_flag=bool(flags),
            submitted_at=now,
        )
        reported_medicines = IncidentMedicine.objects.bulk_create(
            IncidentMedicine(
                incident=incident, name=m["name"].strip(), route=m.get("route") or "", dose=(m.get("dose") or "").strip(),
                high_alert=m["high_alert"],
            )
            for m in medicines
        )
        IncidentErrorType.objects.bulk_create(IncidentErrorType(incident=incident, error_type=e) for e in set(error_types))
        summary_change(incident=incident, before=Counter(),
                       after=report_cells(incident, medicines=reported_medicines, error_types=set(error_types)))
        event = audit_record(
            actor=None if anonymous else reporter,
            action="incident.reported",
            target=incident,
            organisation=organisation,
            changes={
                "status": [None, incident.get_status_display()],
                "physical_harm": [None, incident.get_physical_harm_display()],
                "psychological_harm": [None, incident.get_psychological_harm_display()],
                "anonymous": [None, anonymous],
                "red_flags": [None, flags],
            },
        )
        if flags:
            _red_flag_raise(incident=incident, flags=flags, cause=event)
        lfpse_on_change(incident=incident, actor=None if anonymous else reporter)
        submission_made(claim, incident)
    return incident, code


def incident_follow_up_code_reissue(*, incident: MedicationIncident, reporter, submission_key: str) -> str:
    """An anonymous report sent again from the same form: the reporter may never have seen the first
    code (the answer that showed it was lost), so they get a new one and the old one stops working.
    Only the holder of the form's submission key gets it; audited without naming anyone."""
    with transaction.atomic():
        incident = _locked(incident)
        made = submission_made_by(key=submission_key, user=reporter, purpose=REPORT_PURPOSE)
        if made is None or made.pk != incident.pk or not incident.is_anonymous:
            raise NotAllowed("Only the form that sent this anonymous report can have its follow-up code again.")
        code = follow_up_code_new()
        incident.follow_up_code_hash = follow_up_code_hash(code)
        incident.save(update_fields=["follow_up_code_hash"])
        audit_record(
            actor=None, action="incident.follow_up_code_reissued", target=incident, organisation=incident.organisation,
            changes={"follow_up_code": ["replaced", "a new code shown to whoever sent the report again"]},
        )
    return code


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


def incident_transition(*, incident: MedicationIncident, actor, transition: str) -> MedicationIncident:
    """Move the incident along one allowed transition; locks the row, records the move."""
    move = TRANSITIONS_BY_NAME.get(transition)
    if move is None:
        raise DomainError("That is not a step in the review.")
    with transaction.atomic():
        incident = _locked(incident)
        if not permissions.can_make_transition(actor, incident, move):
            raise NotAllowed(f"Your role may not {move.label.lower()}.")
        if incident.status not in move.sources:
            raise DomainError(
                f"{incident.reference} is {incident.get_status_display().lower()}; it cannot move to "
                f"{Status(move.target).label.lower()} from there."
            )
        if move.target == Status.CLOSED:
            _check_ready_to_close(incident)
        before, cells_before = incident.status, incident_cells(incident)
        incident.status = move.target
        now = timezone.now()
        if move.target == Status.IN_REVIEW and incident.review_started_at is None:
            incident.review_started_at = now
        reviewer_changes = {}
        if move.target == Status.IN_REVIEW and incident.reviewer_id is None:
            incident.reviewer = actor
            reviewer_changes = {"reviewer": [None, actor.email]}
        incident.closed_at = now if move.target == Status.CLOSED else None
        incident.save(update_fields=["status", "review_started_at", "reviewer", "closed_at"])
        summary_change(incident=incident, before=cells_before, after=incident_cells(incident))
        audit_record(
            actor=actor,
            action="incident.status_changed",
            target=incident,
            organisation=incident.organisation,
            changes={"status": [Status(before).label, incident.get_status_display()], **reviewer_changes},
        )
        if move.target == Status.CLOSED:
            # Closing re-checks what LFPSE holds; an update goes only if that has changed.
            lfpse_on_change(incident=incident, actor=actor)
    return incident


def _check_ready_to_close(incident: MedicationIncident) -> None:
    problems = []
    if incident.harm_confirmed_at is None:
        problems.append("confirm or regrade the harm")
    if not incident.learning_summary.strip():
        problems.append("write the learning summary")
    open_actions = incident.actions.filter(done_at__isnull=True).count()
    if open_actions:
        problems.append(f"complete the {open_actions} open action{'s' if open_actions != 1 else ''}")
    # PSIRF: the incident's own learning response must finish before it can close. A thematic review looks
    # across many incidents over months, so it does not hold each of them open.
    for response in incident.learning_responses.filter(status="open").exclude(response_type="thematic"):
        problems.append(f"complete the {response.get_response_type_display()} “{response.title}”")
    if problems:
        raise DomainError(f"Before closing {incident.reference}, " + ", ".join(problems) + ".")


def incident_grade(
    *, incident: MedicationIncident, actor, physical_harm: str, psychological_harm: str,
    ncc_merp_category: str = "", never_event: str = "", note: str = "",
) -> MedicationIncident:
    """Confirm or regrade the harm, set the NCC MERP category and Never Event. Every change is
    audited with the reviewer's note; a grade that newly makes it a red flag escalates it."""
    with transaction.atomic():
        incident = _locked(incident)
        _require_reviewer(actor, incident)
        _require_open(incident)
        before, cells_before = snapshot(incident, GRADE_FIELDS), incident_cells(incident)
        incident.physical_harm = physical_harm
        incident.psychological_harm = psychological_harm
        incident.ncc_merp_category = ncc_merp_category or ""
        incident.never_event = never_event or ""
        incident.harm_confirmed_at = timezone.now()
        incident.harm_confirmed_by = actor
        previous_flags = list(incident.red_flags)
        incident.red_flags = rules.red_flags(
            rules.facts_of(
                physical_harm=physical_harm, psychological_harm=psychological_harm, never_event=never_event,
                medicines=incident.medicines.all(),
            )
        )
        incident.red_flag = bool(incident.red_flags)
        incident.save(update_fields=[*GRADE_FIELDS, "harm_confirmed_at", "harm_confirmed_by", "red_flags", "red_flag"])
        summary_change(incident=incident, before=cells_before, after=incident_cells(incident))
        changes = changes_between(before, snapshot(incident, GRADE_FIELDS))
        event = audit_record(
            actor=actor,
            action="incident.regraded" if changes else "incident.grade_confirmed",
            target=incident,
            organisation=incident.organisation,
            changes={**changes, **({"note": [None, note]} if note else {})},
        )
        new_flags = [f for f in incident.red_flags if f not in previous_flags]
        if new_flags:
            _red_flag_raise(incident=incident, flags=incident.red_flags, cause=event)
        candour_on_grade(incident=incident, actor=actor, note=note, cause=event)
        lfpse_on_change(incident=incident, actor=actor)
    return incident


def incident_learning_record(*, incident: MedicationIncident, actor, learning_summary: str) -> MedicationIncident:
    with transaction.atomic():
        incident = _locked(incident)
        _require_reviewer(actor, incident)
        _require_open(incident)
        before = incident.learning_summary
        incident.learning_summary = learning_summary.strip()
        incident.save(update_fields=["learning_summary"])
        if before != incident.learning_summary:
            audit_record(
                actor=actor, action="incident.learning_recorded", target=incident, organisation=incident.organisation,
                changes={"learning_summary": [before, incident.learning_summary]},
            )
    return incident


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
            incident=incident, description=description.strip(), owner=owner, due_date=due_date, created_by=actor
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


def incident_feedback_give(*, incident: MedicationIncident, actor, feedback: str) -> MedicationIncident:
    """Write feedback to the reporter. A named reporter who asked for feedback is emailed once for
    each change of the feedback (keyed by its audit event, so a retried request sends nothing and
    a return to earlier words sends again); an anonymous reporter reads it with their follow-up code."""
    feedback = feedback.strip()
    if not feedback:
        raise DomainError("Write the feedback before sending it.")
    with transaction.atomic():
        incident = _locked(incident)
        _require_reviewer(actor, incident)
        before = incident.feedback
        if before == feedback:
            return incident  # the same words again (a retried request): nothing new to tell
        incident.feedback = feedback
        incident.feedback_given_at = timezone.now()
        incident.save(update_fields=["feedback", "feedback_given_at"])
        event = audit_record(
            actor=actor, action="incident.feedback_given", target=incident, organisation=incident.organisation,
            changes={"feedback": [before, feedback]},
        )
        if incident.reporter_id and incident.wants_feedback:
            notification_queue(
                recipient=incident.reporter.email,
                subject=f"Feedback on your medication incident report {incident.reference}",
                template="incidents/email/feedback",
                context={
                    "person": str(incident.reporter),
                    "reference": incident.reference,
                    "feedback": feedback,
                    "status": incident.get_status_display(),
                    "url": incident_url(incident),
                },
                idempotency_key=f"incident-feedback:{incident.pk}:{event.pk}",
            )
    return incident


# --- learning bulletins ---------------------------------------------------------------------------


def bulletin_create(
    *, actor, organisation: Organisation, title: str, body: str, incidents=(), submission_key: str = ""
) -> LearningBulletin:
    """A draft bulletin, optionally built from the organisation's closed incidents. The same form
    sent again raises AlreadySubmitted with the first draft."""
    if not permissions.can_write_bulletin(actor, organisation):
        raise NotAllowed("Only the organisation's MSO team writes learning bulletins.")
    if not title.strip() or not body.strip():
        raise DomainError("Write a title and what was learned.")
    incidents = list(incidents)
    strangers = [i.reference for i in incidents if i.organisation_id != organisation.pk or i.status != Status.CLOSED]
    if strangers:
        raise DomainError("A bulletin is built from the organisation's closed incidents only: " + ", ".join(strangers) + ".")
    with transaction.atomic():
        claim = submission_claim(key=submission_key, user=actor, purpose="bulletin.draft")
        bulletin = LearningBulletin.objects.create(
            organisation=organisation, title=title.strip(), body=body.strip(), created_by=actor
        )
        bulletin.incidents.set(incidents)
        audit_record(
            actor=actor, action="bulletin.drafted", target=bulletin, organisation=organisation,
            changes={"title": [None, bulletin.title], "incidents": [None, sorted(i.reference for i in incidents)]},
        )
        submission_made(claim, bulletin)
    return bulletin


def bulletin_publish(*, actor, bulletin: LearningBulletin, submission_key: str = "") -> int:
    """Publish to everyone who works for the organisation: it shows on their home page and each is
    emailed the bulletin as a digest, once. Locks the bulletin; returns how many were emailed. The
    same form sent again raises AlreadySubmitted instead of "already published"."""
    with transaction.atomic():
        bulletin = LearningBulletin.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=bulletin.pk)
        if not permissions.can_publish_bulletin(actor, bulletin):
            raise NotAllowed("Only the organisation's MSO team publishes its learning bulletins.")
        submission_claim(
            key=submission_key, user=actor, purpose=f"{BULLETIN_PUBLISH_PURPOSE}:{bulletin.pk}", target=bulletin
        )
        if LearningBulletin.Status.PUBLISHED not in BULLETIN_TRANSITIONS[bulletin.status]:
            raise DomainError("This bulletin is already published.")
        bulletin.status = LearningBulletin.Status.PUBLISHED
        bulletin.published_by, bulletin.published_at = actor, timezone.now()
        bulletin.save(update_fields=["status", "published_by", "published_at"])
        audience = list(selectors.bulletin_audience(bulletin.organisation_id).only("pk", "email", "full_name"))
        audit_record(
            actor=actor, action="bulletin.published", target=bulletin, organisation=bulletin.organisation,
            changes={"status": [LearningBulletin.Status.DRAFT.value, LearningBulletin.Status.PUBLISHED.value],
                     "emailed": [None, len(audience)]},
        )
        summaries = [
            {**s, "month": s["month"].strftime("%B %Y"), "what_went_wrong": ", ".join(s["what_went_wrong"]),
             "medicines": ", ".join(m["name"] + (f" ({m['route']})" if m["route"] else "") for m in s["medicines"])}
            for s in selectors.bulletin_incident_summaries(bulletin)
        ]
        url = settings.SITE_URL.rstrip("/") + reverse("incidents:bulletin_detail", args=[bulletin.pk])
        notifications_queue_many([
            {
                "recipient": person.email,
                "subject": f"Learning from medication incidents at {bulletin.organisation.name}: {bulletin.title}",
                "template": "incidents/email/bulletin",
                "context": {"title": bulletin.title, "organisation": bulletin.organisation.name, "body": bulletin.body,
                            "incidents": summaries, "url": url},
                "idempotency_key": f"bulletin:{bulletin.pk}:{person.pk}",
            }
            for person in audience
        ])
    return len(audience)


def bulletin_mark_read(*, user, bulletin: LearningBulletin) -> bool:
    """Count the user as a reader of a published bulletin, once; True the first time.
    A read receipt, not a change to the record, so it writes no audit event and sends nothing."""
    if bulletin.status != LearningBulletin.Status.PUBLISHED:
        return False
    _, created = BulletinRead.objects.get_or_create(bulletin=bulletin, user=user)
    return created


def incident_summary_refresh() -> int:
    """Rebuild the national summary (incidents per month, region and harm) from every incident.
    The aggregate runs first; the rows are then replaced in one transaction, so the national
    dashboard shows the old figures or the new, never half of each. Returns the number of cells."""
    from django.db.models import Count, Q
    from django.db.models.functions import TruncMonth

    from .models import NationalIncidentSummary

    now = timezone.now()
    cells = (
        MedicationIncident.objects.annotate(month=TruncMonth("submitted_at"))
        .values("month", "organisation__region", "physical_harm")
        .annotate(incidents=Count("pk"), high_alert=Count("pk", filter=Q(high_alert=True)),
                  red_flag=Count("pk", filter=Q(red_flag=True)))
        .order_by()
    )
    rows = [
        NationalIncidentSummary(
            month=timezone.localtime(c["month"]).date() if timezone.is_aware(c["month"]) else c["month"].date(),
            region=c["organisation__region"], physical_harm=c["physical_harm"], incidents=c["incidents"],
            high_alert=c["high_alert"], red_flag=c["red_flag"], refreshed_at=now,
        )
        for c in cells
    ]
    with transaction.atomic():
        NationalIncidentSummary.objects.all().delete()
        # An upsert, so that two refreshes that overlap still leave one row per cell.
        NationalIncidentSummary.objects.bulk_create(
            rows, batch_size=2000, update_conflicts=True, unique_fields=["month", "region", "physical_harm"],
            update_fields=["incidents", "high_alert", "red_flag", "refreshed_at"],
        )
    return len(rows)
