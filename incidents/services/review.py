"""The MSO team's review: the status, the grade of harm, the learning and the feedback to the reporter."""

from django.db import transaction
from django.utils import timezone

from audit.services import audit_record, changes_between, snapshot
from core.domain import DomainError, NotAllowed
from notifications.services import notification_queue

from .. import permissions, rules
from ..candour_services import candour_on_grade
from ..lfpse.services import lfpse_on_change
from ..models import TRANSITIONS_BY_NAME, LearningResponse, MedicationIncident, ResponseType, Status
from ..recipients import incident_url
from ..summary import incident_cells, summary_change
from .shared import _locked, _red_flag_raise, _require_open, _require_reviewer


GRADE_FIELDS = ["physical_harm", "psychological_harm", "ncc_merp_category", "never_event"]


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
    responses = incident.learning_responses.filter(status=LearningResponse.Status.OPEN)
    for response in responses.exclude(response_type=ResponseType.THEMATIC):
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
