"""What the clinical safety services share: the fields people edit, the refusals, the editor and signer
checks, the live hash kept on the system, and marking safety cases out of date."""

from django.urls import reverse
from django.utils import timezone

from audit.services import audit_record
from core.domain import DomainError, NotAllowed
from mso_registry.selectors import cso_signing_refusals
from notifications.services import notification_queue

from .. import permissions
from ..models import Hazard, HazardScore, HealthITSystem, SafetyCaseReport, SafetyCaseStatus
from ..risk import needs_justification, risk_rating
from ..selectors import hazard_log_hash, hazard_log_hash_context


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


def _live_hash_keep(system: HealthITSystem) -> None:
    """Work the live log's content hash out again and keep it on the system, in the transaction of
    the change (so it is exact and live). The system's row is locked first: two changes to one log
    keep it one after the other, each seeing the other's committed rows."""
    system = HealthITSystem.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=system.pk)
    owners = {hazard.owner for hazard in system.hazards.select_related("owner") if hazard.owner_id}
    system.live_content_hash = hazard_log_hash(system)
    system.live_hash_context = hazard_log_hash_context(system, owners=owners)
    system.save(update_fields=["live_content_hash", "live_hash_context"])


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


def _email_context(report: SafetyCaseReport, **extra) -> dict:
    return {
        "system": report.system.name,
        "release": report.release,
        "organisation": report.system.organisation.name,
        "cso": report.signer_name or report.author.get_full_name(),
        "path": reverse("clinical_safety:safety_case_detail", args=[report.pk]),
        **extra,
    }


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
