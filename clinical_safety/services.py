"""Every change to clinical safety records. Each function runs in one transaction with its audit
record and its notifications; permission is checked here as well as in the view."""

import json

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from audit.labels import fields_in_words
from audit.services import audit_record, changes_between, snapshot
from core.domain import DomainError, NotAllowed
from mso_registry.models import Role, RoleAssignment
from mso_registry.permissions import holds_role
from mso_registry.selectors import cso_signing_refusals
from notifications.selectors import idempotency_keys_already_queued
from notifications.services import notification_queue
from submissions.services import submission_claim, submission_made

from . import permissions
from .models import (
    Hazard,
    HazardControl,
    HazardLogImport,
    HazardLogVersion,
    HazardScore,
    HazardStatus,
    HealthITSystem,
    SafetyCaseReport,
    SafetyCaseStatus,
    Standard,
)
from .risk import needs_justification, risk_rating
from .selectors import (
    content_hash,
    hazard_log_changed_since,
    hazard_log_hash,
    hazard_log_hash_context,
    hazard_log_snapshot,
    safety_argument_from,
    safety_case_submission_problems,
    signer_registration,
)

SYSTEM_FIELDS = ["name", "manufacturer", "version", "standard", "intended_use", "clinical_scope", "cso"]
HAZARD_INPUT_FIELDS = [
    "title", "description", "causes", "effect", "clinical_impact", "existing_controls",
    "initial_severity", "initial_likelihood", "residual_severity", "residual_likelihood",
    "residual_justification", "status", "owner", "actions", "review_date",
]
SCORE_FIELDS = [
    "initial_severity", "initial_likelihood", "initial_rating",
    "residual_severity", "residual_likelihood", "residual_rating", "residual_justification",
]
HAZARD_AUDIT_FIELDS = HAZARD_INPUT_FIELDS + ["initial_rating", "residual_rating"]
SAFETY_CASE_INPUT_FIELDS = ["release", "scope", "intended_use", "hazard_log_version", "outstanding_actions", "conclusion"]


class SigningRefused(DomainError):
    """The person may not sign as CSO; `reasons` says why, one sentence each."""

    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__("You cannot sign as Clinical Safety Officer: " + " ".join(reasons))


class SubmissionRefused(DomainError):
    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__("This safety case cannot be submitted yet: " + " ".join(reasons))


def _require_editor(actor, system: HealthITSystem) -> None:
    if not permissions.can_edit_system(actor, system):
        raise NotAllowed("Only the organisation's Clinical Safety Officers can change its hazard logs.")


def _require_signer(actor) -> None:
    reasons = cso_signing_refusals(actor)
    if reasons:
        raise SigningRefused(reasons)


# --- Health IT systems ------------------------------------------------------------------------


def _check_cso(system_organisation, cso) -> None:
    holds = RoleAssignment.objects.current().filter(user=cso, organisation=system_organisation, role=Role.CSO).exists()
    if not holds:
        raise DomainError(f"{cso} is not a Clinical Safety Officer of {system_organisation.name}.")


def system_create(*, actor, organisation, details: dict) -> HealthITSystem:
    """Add a health IT system to an organisation's register of systems."""
    if not permissions.can_add_system(actor, organisation):
        raise NotAllowed("Only the organisation's Clinical Safety Officers can add health IT systems.")
    with transaction.atomic():
        _check_cso(organisation, details["cso"])
        if HealthITSystem.objects.filter(organisation=organisation, name__iexact=details["name"]).exists():
            raise DomainError(f"{organisation.name} already has a system called {details['name']}.")
        system = HealthITSystem.objects.create(organisation=organisation, **{f: details[f] for f in SYSTEM_FIELDS})
        audit_record(
            actor=actor, action="health_it_system.created", target=system, organisation=organisation,
            changes=changes_between({}, snapshot(system, SYSTEM_FIELDS)),
        )
        _live_hash_keep(system)
    return system


def system_update(*, actor, system: HealthITSystem, details: dict) -> HealthITSystem:
    with transaction.atomic():
        system = HealthITSystem.objects.select_for_update().select_related("organisation").get(pk=system.pk)
        _require_editor(actor, system)
        _check_cso(system.organisation, details["cso"])
        before = snapshot(system, SYSTEM_FIELDS)
        for field in SYSTEM_FIELDS:
            setattr(system, field, details[field])
        system.save()
        changes = changes_between(before, snapshot(system, SYSTEM_FIELDS))
        if changes:
            audit_record(
                actor=actor, action="health_it_system.updated", target=system, organisation=system.organisation,
                changes=changes,
            )
            _live_hash_keep(system)
    return system


def _live_hash_keep(system: HealthITSystem) -> None:
    """Work the live log's content hash out again and keep it on the system, in the transaction of
    the change (so it is exact and live). The system's row is locked first: two changes to one log
    keep it one after the other, each seeing the other's committed rows."""
    system = HealthITSystem.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=system.pk)
    owners = {hazard.owner for hazard in system.hazards.select_related("owner") if hazard.owner_id}
    system.live_content_hash = hazard_log_hash(system)
    system.live_hash_context = hazard_log_hash_context(system, owners=owners)
    system.save(update_fields=["live_content_hash", "live_hash_context"])


def hazard_log_live_hashes_fill() -> int:
    """Keep the live hash of every system that has none yet (made before it was kept, or loaded in
    bulk); `make bench` runs it after loading. Returns how many."""
    filled = 0
    for pk in HealthITSystem.objects.filter(live_content_hash="").values_list("pk", flat=True):
        with transaction.atomic():
            _live_hash_keep(HealthITSystem(pk=pk))
        filled += 1
    return filled


# --- Hazards --------------------------------------------------------------------------------


def _apply_hazard_details(hazard: Hazard, details: dict) -> None:
    for field in HAZARD_INPUT_FIELDS:
        if field in details:
            setattr(hazard, field, details[field])
    # Ratings come from the matrix, whatever was sent.
    hazard.initial_rating = risk_rating(hazard.initial_severity, hazard.initial_likelihood)
    hazard.residual_rating = risk_rating(hazard.residual_severity, hazard.residual_likelihood)
    hazard.residual_justification = (hazard.residual_justification or "").strip()
    if needs_justification(hazard.residual_rating) and not hazard.residual_justification:
        raise DomainError(
            "A residual risk rating of 3 is undesirable: record why further risk reduction is impractical "
            "before accepting it."
        )
    if hazard.residual_rating > hazard.initial_rating:
        raise DomainError("The residual risk cannot be higher than the initial risk: controls do not add risk.")


def _record_score(hazard: Hazard, actor) -> HazardScore:
    return HazardScore.objects.create(
        hazard=hazard, scored_by=actor, scored_at=hazard.updated_at, **{f: getattr(hazard, f) for f in SCORE_FIELDS}
    )


def hazard_create(*, actor, system: HealthITSystem, details: dict) -> Hazard:
    """Add a hazard numbered next in the system's log; its first scores start the scoring history.
    Locks the system so that two hazards never get the same number."""
    with transaction.atomic():
        system = HealthITSystem.objects.select_for_update().select_related("organisation").get(pk=system.pk)
        _require_editor(actor, system)
        number = (system.hazards.aggregate(n=Max("number"))["n"] or 0) + 1
        now = timezone.now()
        hazard = Hazard(system=system, number=number, created_at=now, updated_at=now)
        _apply_hazard_details(hazard, details)
        hazard.save()
        _record_score(hazard, actor)
        audit_record(
            actor=actor, action="hazard.created", target=hazard, organisation=system.organisation,
            changes=changes_between({}, snapshot(hazard, HAZARD_AUDIT_FIELDS)),
        )
        _safety_cases_mark_out_of_date(
            system=system, actor=actor, reason=f"{hazard.reference} ({hazard.title}) was added to the hazard log"
        )
        _live_hash_keep(system)
    return hazard


def hazard_update(*, actor, hazard: Hazard, details: dict) -> Hazard:
    """Change a hazard. A change of score adds to its scoring history; any change marks the
    system's approved safety case out of date."""
    with transaction.atomic():
        hazard = Hazard.objects.select_for_update().select_related("system__organisation").get(pk=hazard.pk)
        _require_editor(actor, hazard.system)
        before = snapshot(hazard, HAZARD_AUDIT_FIELDS)
        scores_before = snapshot(hazard, SCORE_FIELDS)
        _apply_hazard_details(hazard, details)
        changes = changes_between(before, snapshot(hazard, HAZARD_AUDIT_FIELDS))
        if not changes:
            return hazard
        hazard.updated_at = timezone.now()
        hazard.save()
        if changes_between(scores_before, snapshot(hazard, SCORE_FIELDS)):
            _record_score(hazard, actor)
        audit_record(
            actor=actor, action="hazard.updated", target=hazard, organisation=hazard.system.organisation,
            changes=changes,
        )
        _safety_cases_mark_out_of_date(
            system=hazard.system, actor=actor,
            reason=f"{hazard.reference} ({hazard.title}) was changed: {fields_in_words(Hazard, changes)}",
        )
        _live_hash_keep(hazard.system)
    return hazard


def hazard_control_add(*, actor, hazard: Hazard, details: dict) -> HazardControl:
    with transaction.atomic():
        hazard = Hazard.objects.select_for_update().select_related("system__organisation").get(pk=hazard.pk)
        _require_editor(actor, hazard.system)
        control = HazardControl.objects.create(
            hazard=hazard,
            added_by=actor,
            control_type=details["control_type"],
            description=details["description"],
            verification=details.get("verification", ""),
            verified_on=details.get("verified_on"),
        )
        hazard.updated_at = timezone.now()
        hazard.save(update_fields=["updated_at"])
        audit_record(
            actor=actor, action="hazard.control_added", target=hazard, organisation=hazard.system.organisation,
            changes=changes_between(
                {}, snapshot(control, ["control_type", "description", "verification", "verified_on"])
            ),
        )
        _safety_cases_mark_out_of_date(
            system=hazard.system, actor=actor,
            reason=f"A control was added to {hazard.reference} ({hazard.title})",
        )
        _live_hash_keep(hazard.system)
    return control


# --- Hazard log versions ----------------------------------------------------------------------


def hazard_log_issue(*, actor, system: HealthITSystem, note: str = "", submission_key: str = "") -> HazardLogVersion:
    """Freeze every hazard of the system into a new numbered version with its content hash, signed
    by the acting CSO. Refused, with the reasons, for anyone not fit to sign. The same form sent
    again raises AlreadySubmitted with the version it issued."""
    with transaction.atomic():
        system = HealthITSystem.objects.select_for_update().select_related("organisation").get(pk=system.pk)
        _require_editor(actor, system)
        _require_signer(actor)
        claim = submission_claim(key=submission_key, user=actor, purpose=f"hazard_log.issue:{system.pk}")
        frozen = hazard_log_snapshot(system)
        if not frozen["hazards"]:
            raise DomainError("The hazard log has no hazards yet: add at least one before issuing it.")
        number = (system.hazard_log_versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = HazardLogVersion.objects.create(
            system=system,
            number=number,
            snapshot=frozen,
            content_hash=content_hash(frozen),
            note=note.strip(),
            signed_by=actor,
            signer_name=actor.get_full_name(),
            signer_registration=signer_registration(actor),
        )
        audit_record(
            actor=actor, action="hazard_log.issued", target=version, organisation=system.organisation,
            changes={"version": [None, number], "content_hash": [None, version.content_hash],
                     "hazards": [None, len(frozen["hazards"])]},
        )
        submission_made(claim, version)
    return version


# --- Clinical safety case reports ---------------------------------------------------------------


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


def _email_context(report: SafetyCaseReport, **extra) -> dict:
    from django.urls import reverse

    return {
        "system": report.system.name,
        "release": report.release,
        "organisation": report.system.organisation.name,
        "cso": report.signer_name or report.author.get_full_name(),
        "path": reverse("clinical_safety:safety_case_detail", args=[report.pk]),
        **extra,
    }


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


def _safety_cases_mark_out_of_date(*, system: HealthITSystem, actor, reason: str) -> list[SafetyCaseReport]:
    """A hazard changed: every current approved case of the system no longer describes it. The
    case itself is not changed; the mark and its reason sit beside it until a new one is approved."""
    now = timezone.now()
    marked = []
    current = system.safety_cases.select_for_update().filter(
        status=SafetyCaseStatus.APPROVED, out_of_date_at__isnull=True, superseded_by__isnull=True
    ).select_related("author")
    for report in current:
        report.out_of_date_at = now
        report.out_of_date_reason = f"{reason} on {timezone.localtime(now):%-d %B %Y} by {actor.get_full_name()}."
        report.save(update_fields=["out_of_date_at", "out_of_date_reason"])
        audit_record(
            actor=actor, action="safety_case.out_of_date", target=report, organisation=system.organisation,
            changes={"out_of_date_reason": [None, report.out_of_date_reason]},
        )
        recipients = {report.author.email, system.cso.email}
        for email in sorted(recipients):
            notification_queue(
                recipient=email,
                subject=f"Safety case out of date: {system.name}, {report.release}",
                template="clinical_safety/email/safety_case_out_of_date",
                context=_email_context(report, reason=report.out_of_date_reason),
                idempotency_key=f"safety-case-{report.pk}-out-of-date-{email}",
            )
        marked.append(report)
    return marked


# --- Manufacturer to deployer -----------------------------------------------------------------

EXPORT_FORMAT = "medsafety-hub/hazard-log/1"


IMPORTED_TEXT_FIELDS = [
    "title", "description", "causes", "effect", "clinical_impact", "existing_controls", "residual_justification", "actions",
]  # fmt: skip


def _import_shape_problem(log: dict) -> str:
    """Why an imported hazard log cannot be read, or "". Its hash proves only that it was not changed
    since it was made, not that it is well formed, so its shape and text are checked before anything is saved."""
    system = log.get("system")
    if not isinstance(system, dict) or not all(isinstance(system.get(k), str) for k in ("manufacturer", "name", "version")):
        return "The file does not say which system it is for (its manufacturer, name and version)."
    hazards = log.get("hazards")
    if not isinstance(hazards, list) or not all(isinstance(h, dict) for h in hazards):
        return "The file's hazards are not a list of hazards."
    for entry in hazards:
        if not isinstance(entry.get("reference"), str) or not entry["reference"].strip():
            return "A hazard in the file has no reference."
        not_text = [f for f in IMPORTED_TEXT_FIELDS if not isinstance(entry.get(f), (str, type(None)))]
        if not_text:
            return f"{entry['reference']} in the file: {', '.join(not_text).replace('_', ' ')} must be text."
        controls = entry.get("controls", [])
        if not isinstance(controls, list) or not all(
            isinstance(c, dict) and isinstance(c.get("type"), str) and isinstance(c.get("description"), str)
            for c in controls
        ):
            return f"{entry['reference']} in the file: its controls are not in the expected shape."
    if "\\u0000" in json.dumps(log):  # NUL characters cannot be stored (PostgreSQL refuses them)
        return "The file contains NUL characters, so it is not a hazard log exported from MedSafety Hub."
    return ""


def _validation_text(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(f"{field.replace('_', ' ')}: {' '.join(messages)}" for field, messages in error.message_dict.items())
    return " ".join(error.messages)


def _already_imported(earlier: HazardLogImport) -> str:
    first, last = earlier.first_number, earlier.first_number + earlier.hazard_count - 1
    added = {0: "it had no hazards", 1: f"its hazard is H-{first:03d}"}.get(
        earlier.hazard_count, f"its {earlier.hazard_count} hazards are H-{first:03d} to H-{last:03d}"
    )
    return (
        f"This file ({earlier.origin}) was imported on {timezone.localtime(earlier.imported_at):%-d %b %Y} by "
        f"{earlier.imported_by.get_full_name()}: {added}. Importing it again would add every hazard twice; "
        "edit those hazards instead, or import the manufacturer's newer version."
    )


def hazard_log_import(*, actor, system: HealthITSystem, document: dict) -> list[Hazard]:
    """A deployer (DCB0160) takes a manufacturer's issued hazard log into its own log. Each hazard
    is added as Transferred, numbered after the local ones, with its controls and where it came from.
    The file's content hash is checked first, so an edited file is refused; a deployer's own log, or a
    file this system has already imported (kept as a HazardLogImport), is refused with the reason."""
    log = document.get("hazard_log") if isinstance(document, dict) else None
    if not isinstance(log, dict) or document.get("format") != EXPORT_FORMAT or "hazards" not in log:
        raise DomainError("This is not a hazard log exported from MedSafety Hub (format medsafety-hub/hazard-log/1).")
    if content_hash(log) != document.get("content_hash"):
        raise DomainError("The file's content does not match its content hash: it was changed after it was issued.")
    problem = _import_shape_problem(log)
    if problem:
        raise DomainError(problem)
    if str(log["system"].get("standard", "")).startswith("DCB0160"):
        raise DomainError(
            f"This is a deployer's (DCB0160) hazard log, {log['system'].get('organisation') or 'another organisation'}'s "
            "own: only a manufacturer's (DCB0129) hazard log can be imported. Ask the manufacturer for theirs."
        )
    with transaction.atomic():
        system = HealthITSystem.objects.select_for_update().select_related("organisation").get(pk=system.pk)
        _require_editor(actor, system)
        if system.standard != Standard.DCB0160:
            raise DomainError("Only a deployer's (DCB0160) hazard log imports a manufacturer's hazards.")
        # Under the system's lock, so two uploads of one file cannot both pass this check.
        earlier = system.hazard_log_imports.filter(content_hash=document["content_hash"]).select_related("imported_by").first()
        if earlier is not None:
            raise DomainError(_already_imported(earlier))
        number = system.hazards.aggregate(n=Max("number"))["n"] or 0
        origin = f"{log['system']['manufacturer']} {log['system']['name']} {log['system']['version']}, hazard log version {document.get('version')}"
        first_number = number + 1
        imported = []
        for entry in log["hazards"]:
            number += 1
            now = timezone.now()
            hazard = Hazard(system=system, number=number, created_at=now, updated_at=now,
                            status=HazardStatus.TRANSFERRED, source=f"{origin}, {entry['reference']}"[:300])
            details = {f: entry.get(f) for f in HAZARD_INPUT_FIELDS if f not in {"owner", "status", "review_date"}}
            try:
                _apply_hazard_details(hazard, {k: v if v is not None else "" for k, v in details.items()})
                hazard.clean_fields(exclude={"system", "owner"})  # lengths, choices and numbers, as the form checks
            except (DomainError, ValueError, TypeError, KeyError) as error:
                raise DomainError(f"{entry.get('reference', 'A hazard')} in the file: {error}") from error
            except ValidationError as error:
                raise DomainError(f"{entry['reference']} in the file: {_validation_text(error)}") from error
            hazard.save()
            for control in entry.get("controls", []):
                control = HazardControl(
                    hazard=hazard, added_by=actor, control_type=control["type"], description=control["description"],
                    verification=control.get("verification") or "", verified_on=control.get("verified_on"),
                )
                try:
                    control.clean_fields(exclude={"hazard", "added_by"})
                except ValidationError as error:
                    raise DomainError(f"{entry['reference']} in the file, a control: {_validation_text(error)}") from error
                control.save()
            _record_score(hazard, actor)
            audit_record(
                actor=actor, action="hazard.imported", target=hazard, organisation=system.organisation,
                changes={"source": [None, hazard.source], "status": [None, hazard.status]},
            )
            imported.append(hazard)
        HazardLogImport.objects.create(
            system=system, content_hash=document["content_hash"], origin=origin[:300], first_number=first_number,
            hazard_count=len(imported), imported_by=actor,
        )
        if imported:
            _safety_cases_mark_out_of_date(
                system=system, actor=actor, reason=f"{len(imported)} hazards were imported from {origin}"
            )
            _live_hash_keep(system)
    return imported


# --- Hazard reviews ---------------------------------------------------------------------------


def _review_key(hazard: Hazard, email: str) -> str:
    return f"hazard-{hazard.pk}-review-{hazard.review_date.isoformat()}-{email}"


def hazard_review_reminders_send(*, today=None) -> int:
    """Tell each hazard's owner and its system's CSO, once per review date, that the date has passed
    and the hazard is still open or transferred. A new review date gets its own reminder when it
    passes. Returns how many emails were queued."""
    today = today or timezone.localdate()
    overdue = (
        Hazard.objects.filter(review_date__lt=today)
        .exclude(status=HazardStatus.CLOSED)
        .select_related("owner", "system__cso", "system__organisation")
        .order_by("system_id", "number")
    )
    pending = []
    for hazard in overdue:
        emails = {hazard.system.cso.email} | ({hazard.owner.email} if hazard.owner_id else set())
        pending += [(hazard, email) for email in sorted(emails)]
    # One query for what was already queued, so a run with nothing new writes nothing.
    sent = idempotency_keys_already_queued(_review_key(h, e) for h, e in pending)
    queued = 0
    with transaction.atomic():
        for hazard, email in pending:
            if _review_key(hazard, email) in sent:
                continue
            notification_queue(
                recipient=email,
                subject=f"Hazard review due: {hazard.reference} {hazard.title} ({hazard.system.name})",
                template="clinical_safety/email/hazard_review_due",
                context={
                    "reference": hazard.reference,
                    "title": hazard.title,
                    "system": hazard.system.name,
                    "organisation": hazard.system.organisation.name,
                    "review_date": hazard.review_date.strftime("%-d %B %Y"),
                    "status": hazard.get_status_display(),
                    "residual_rating": hazard.residual_rating,
                    "path": reverse("clinical_safety:hazard_detail", args=[hazard.pk]),
                },
                idempotency_key=_review_key(hazard, email),
            )
            queued += 1
    return queued
