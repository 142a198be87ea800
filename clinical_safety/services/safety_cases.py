"""Clinical safety case reports: drafting, editing, signing and submitting, and the governance decision."""

from django.db import transaction
from django.utils import timezone

from audit.services import audit_record, changes_between, snapshot
from core.domain import DomainError, NotAllowed
from mso_registry.models import Role, RoleAssignment
from mso_registry.permissions import holds_role
from notifications.services import notification_queue
from submissions.services import submission_claim, submission_made

from .. import permissions
from ..models import HazardLogVersion, HealthITSystem, SafetyCaseReport, SafetyCaseStatus
from ..selectors import (
    content_hash,
    hazard_log_changed_since,
    safety_argument_from,
    safety_case_submission_problems,
    signer_registration,
)
from .shared import SubmissionRefused, _email_context, _require_editor, _require_signer


SAFETY_CASE_INPUT_FIELDS = ["release", "scope", "intended_use", "hazard_log_version", "outstanding_actions", "conclusion"]


def _check_version(system: HealthITSystem, version: HazardLogVersion) -> None:
    if version.system_id != system.pk:
        raise DomainError("Choose an issued hazard log version of this system.")


def safety_case_draft(*, actor, system: HealthITSystem, details: dict, submission_key: str = "") -> SafetyCaseReport:
    """A draft report on an issued version; the same form sent again raises AlreadySubmitted."""
    with transaction.atomic():
        system = HealthITSystem.objects.select_for_update().select_related("organisation").get(pk=system.pk)
        _require_editor(actor, system)
        claim = submission_claim(key=submission_key, user=actor, purpose=f"safety_case.draft:{system.pk}")
        _check_version(system, details["hazard_log_version"])
        report = SafetyCaseReport.objects.create(
            system=system, author=actor, **{f: details[f] for f in SAFETY_CASE_INPUT_FIELDS}
        )
        audit_record(
            actor=actor, action="safety_case.drafted", target=report, organisation=system.organisation,
            changes=changes_between({}, snapshot(report, SAFETY_CASE_INPUT_FIELDS)),
        )
        submission_made(claim, report)
    return report


def _lock_report(report: SafetyCaseReport) -> SafetyCaseReport:
    return SafetyCaseReport.objects.select_for_update().select_related(
        "system__organisation", "hazard_log_version", "author"
    ).get(pk=report.pk)


def _move(report: SafetyCaseReport, to: str) -> str:
    if to not in SafetyCaseReport.ALLOWED[report.status]:
        raise DomainError(
            f"A safety case that is {report.get_status_display().lower()} cannot be "
            f"{SafetyCaseStatus(to).label.lower()}."
        )
    before, report.status = report.status, to
    return before


def safety_case_update(*, actor, report: SafetyCaseReport, details: dict) -> SafetyCaseReport:
    """Edit a draft or returned report. An approved report is immutable."""
    with transaction.atomic():
        report = _lock_report(report)
        _require_editor(actor, report.system)
        if not report.is_editable:
            raise DomainError(
                f"This safety case is {report.get_status_display().lower()} and cannot be changed. "
                "Draft a new one for the next release."
            )
        _check_version(report.system, details["hazard_log_version"])
        before = snapshot(report, SAFETY_CASE_INPUT_FIELDS)
        for field in SAFETY_CASE_INPUT_FIELDS:
            setattr(report, field, details[field])
        report.save()
        changes = changes_between(before, snapshot(report, SAFETY_CASE_INPUT_FIELDS))
        if changes:
            audit_record(
                actor=actor, action="safety_case.updated", target=report, organisation=report.system.organisation,
                changes=changes,
            )
    return report


def safety_case_document(report: SafetyCaseReport) -> dict:
    """The content the approval and the hash cover: the report, its argument, its signature and
    the hash of the hazard log version it rests on."""
    return {
        "system": report.hazard_log_version.snapshot["system"],
        "release": report.release,
        "scope": report.scope,
        "intended_use": report.intended_use,
        "hazard_log_version": report.hazard_log_version.number,
        "hazard_log_hash": report.hazard_log_version.content_hash,
        "safety_argument": report.safety_argument,
        "outstanding_actions": report.outstanding_actions,
        "conclusion": report.conclusion,
        "signed_by": report.signer_name,
        "signer_registration": report.signer_registration,
        "submitted_at": report.submitted_at.isoformat() if report.submitted_at else None,
    }


def safety_case_submit(*, actor, report: SafetyCaseReport, submission_key: str = "") -> SafetyCaseReport:
    """The CSO signs the report and sends it to the organisation's governance team.

    Refused while any residual risk is 4 or 5, a 3 lacks its justification, the hazard log has
    moved on from the version it rests on, or the CSO is not fit to sign. The same form sent again
    raises AlreadySubmitted."""
    with transaction.atomic():
        report = _lock_report(report)
        _require_editor(actor, report.system)
        _require_signer(actor)
        submission_claim(key=submission_key, user=actor, purpose=f"safety_case.submit:{report.pk}", target=report)
        problems = safety_case_submission_problems(report)
        if problems:
            raise SubmissionRefused(problems)
        before = _move(report, SafetyCaseStatus.SUBMITTED)
        report.safety_argument = safety_argument_from(report.hazard_log_version.snapshot)
        report.signer_name = actor.get_full_name()
        report.signer_registration = signer_registration(actor)
        report.submitted_at = timezone.now()
        report.decided_by, report.decided_at, report.decision_comments = None, None, ""
        report.content_hash = content_hash(safety_case_document(report))
        report.save()
        event = audit_record(
            actor=actor, action="safety_case.submitted", target=report, organisation=report.system.organisation,
            changes={"status": [before, report.status], "content_hash": [None, report.content_hash]},
        )
        approvers = (
            RoleAssignment.objects.current()
            .filter(organisation=report.system.organisation, role=Role.GOVERNANCE)
            .exclude(user=actor)
            .select_related("user")
        )
        for assignment in approvers:
            notification_queue(
                recipient=assignment.user.email,
                subject=f"Safety case to approve: {report.system.name}, {report.release}",
                template="clinical_safety/email/safety_case_submitted",
                context=_email_context(report, person=assignment.user.get_full_name()),
                # Each submission (its audit event) is told once; a resubmission after a return is new.
                idempotency_key=f"safety-case-{report.pk}-submitted-{event.pk}-{assignment.user_id}",
            )
    return report


def _decide(*, actor, report: SafetyCaseReport, to: str, comments: str) -> SafetyCaseReport:
    with transaction.atomic():
        report = _lock_report(report)
        if report.author_id == actor.pk:
            raise NotAllowed("You wrote this safety case, so someone else in the governance team must decide on it.")
        if not holds_role(actor, report.system.organisation, permissions.APPROVER_ROLES):
            raise NotAllowed("Only the organisation's governance team can approve or reject safety cases.")
        before = _move(report, to)
        if to == SafetyCaseStatus.APPROVED and hazard_log_changed_since(report.hazard_log_version):
            raise DomainError(
                "The hazard log has changed since this safety case was submitted, so it no longer describes the "
                "system. Return it to the CSO."
            )
        now = timezone.now()
        report.decided_by, report.decided_at, report.decision_comments = actor, now, comments.strip()
        report.save()
        event = audit_record(
            actor=actor, action=f"safety_case.{to}", target=report, organisation=report.system.organisation,
            changes={"status": [before, to], "comments": [None, report.decision_comments]},
        )
        if to == SafetyCaseStatus.APPROVED:
            # The new approval replaces earlier ones for the system.
            earlier = report.system.safety_cases.filter(
                status=SafetyCaseStatus.APPROVED, superseded_by__isnull=True
            ).exclude(pk=report.pk)
            for old in earlier.select_for_update():
                old.superseded_by = report
                old.save(update_fields=["superseded_by"])
                audit_record(
                    actor=actor, action="safety_case.superseded", target=old, organisation=report.system.organisation,
                    changes={"superseded_by": [None, str(report)]},
                )
        notification_queue(
            recipient=report.author.email,
            subject=f"Safety case {'approved' if to == SafetyCaseStatus.APPROVED else 'returned'}: "
            f"{report.system.name}, {report.release}",
            template=f"clinical_safety/email/safety_case_{to}",
            context=_email_context(
                report, person=report.author.get_full_name(), decided_by=actor.get_full_name(),
                comments=report.decision_comments,
            ),
            idempotency_key=f"safety-case-{report.pk}-{to}-{event.pk}",
        )
    return report


def safety_case_approve(*, actor, report: SafetyCaseReport, comments: str = "") -> SafetyCaseReport:
    """A governance team member, not the author, approves: the report is frozen from now on."""
    return _decide(actor=actor, report=report, to=SafetyCaseStatus.APPROVED, comments=comments)


def safety_case_reject(*, actor, report: SafetyCaseReport, comments: str) -> SafetyCaseReport:
    if not comments.strip():
        raise DomainError("Say why the safety case is returned, so that the CSO knows what to change.")
    return _decide(actor=actor, report=report, to=SafetyCaseStatus.REJECTED, comments=comments)
