"""Writes of LFPSE submissions, on the outbox's principles (notifications/services.py): a row in the
transaction that makes the incident due, sent by Celery after the commit, tried again with backoff
on timeouts and 5xx, never sent twice for the same content, each answer recorded with its audit."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from core.tasks import publish_or_leave_to_sweep as _publish

from ..models import ContributingFactor, ErrorType, MedicationIncident, NCCMERPCategory, NeverEvent, PhysicalHarm
from ..models import PsychologicalHarm, Route, Stage
from .mapping import IncidentFacts, map_facts, mapping
from .models import LfpseRecord, LfpseState, LfpseSubmission
from .resource import ResourceInvalid, adverse_event_build, adverse_event_validate, content_hash
from .tasks import deliver_lfpse_submission

logger = logging.getLogger(__name__)

LABELS = {
    "stage": dict(Stage.choices),
    "error_types": dict(ErrorType.choices),
    "physical_harm": dict(PhysicalHarm.choices),
    "psychological_harm": dict(PsychologicalHarm.choices),
    "never_event": dict(NeverEvent.choices),
    "contributing_factors": dict(ContributingFactor.choices),
    "route": dict(Route.choices),
    "ncc_merp_category": dict(NCCMERPCategory.choices),
}


def lfpse_enabled() -> bool:
    return bool(settings.LFPSE_API_URL)


def lfpse_facts_of(incident: MedicationIncident) -> IncidentFacts:
    """The facts a submission is built from. The reporter's profession only for a named report."""
    profession = ""
    if incident.reporter_id and not incident.is_anonymous:
        details = getattr(incident.reporter, "professional_details", None)
        profession = details.profession if details else ""
    medicines = list(incident.medicines.all())
    return IncidentFacts(
        reference=incident.reference,
        occurred_at=incident.occurred_at,
        stage=incident.stage,
        error_types=tuple(sorted(row.error_type for row in incident.error_type_rows.all())),
        physical_harm=incident.physical_harm,
        psychological_harm=incident.psychological_harm,
        never_event=incident.never_event,
        medicine_names=tuple(m.name for m in medicines),
        is_anonymous=incident.is_anonymous,
        organisation_ods=incident.organisation.ods_code,
        organisation_type=incident.organisation.organisation_type,
        reporter_profession=profession,
        contributing_factors=tuple(incident.contributing_factors),
        routes=tuple(sorted({m.route for m in medicines})),
        ncc_merp_category=incident.ncc_merp_category,
    )


def _is_due(incident: MedicationIncident) -> bool:
    return settings.LFPSE_SUBMIT_ON == "submitted" or incident.harm_confirmed_at is not None


def _set_state(record: LfpseRecord, state: str, message: str = "") -> bool:
    changed = (record.state, record.message) != (state, message)
    record.state, record.message, record.updated_at = state, message, timezone.now()
    return changed


_STATE_OF = {
    LfpseSubmission.Status.PENDING: LfpseState.QUEUED,
    LfpseSubmission.Status.SENDING: LfpseState.QUEUED,
    LfpseSubmission.Status.ACCEPTED: LfpseState.ACCEPTED,
    LfpseSubmission.Status.REJECTED: LfpseState.REJECTED,
    LfpseSubmission.Status.FAILED: LfpseState.FAILED,
}


def lfpse_on_change(*, incident: MedicationIncident, actor=None) -> LfpseRecord | None:
    """Called in the transaction of every change LFPSE may care about (report, grade, close), with
    the incident locked. Queues a new version when the incident is due and what LFPSE would receive
    has changed; holds it with the reasons when a value has no LFPSE code; does nothing when off."""
    if not lfpse_enabled():
        return None
    record, _ = LfpseRecord.objects.select_for_update().get_or_create(
        incident=incident, defaults={"organisation": incident.organisation}
    )
    if not _is_due(incident):
        if record.version == 0:
            _set_state(record, LfpseState.NOT_DUE)
            record.save()
        return record
    facts = lfpse_facts_of(incident)
    result = map_facts(facts, labels=LABELS)
    resource, problem = None, ""
    if result.is_held:
        problem = "Cannot be sent to LFPSE: " + " ".join(result.held)
    else:
        resource = adverse_event_build(
            facts, result, base=settings.LFPSE_TAXONOMY_BASE,
            identifier_system=settings.LFPSE_IDENTIFIER_SYSTEM,
        )
        try:
            adverse_event_validate(resource, base=settings.LFPSE_TAXONOMY_BASE)
        except ResourceInvalid as error:
            problem = f"Cannot be sent to LFPSE: {error}"
    live = record.submissions.exclude(status=LfpseSubmission.Status.SUPERSEDED).order_by("-version").first()
    if problem:
        record.submissions.filter(status=LfpseSubmission.Status.PENDING).update(status=LfpseSubmission.Status.SUPERSEDED)
        if _set_state(record, LfpseState.HELD, problem):
            audit_record(actor=actor, action="incident.lfpse_held", target=incident, organisation=incident.organisation,
                         changes={"LFPSE": [None, problem]})
        record.save()
        return record
    digest = content_hash(resource)
    if live and live.content_hash == digest:
        # The same content is queued, in flight, accepted or refused already: nothing new for LFPSE.
        if record.state == LfpseState.HELD:
            _set_state(record, _STATE_OF[live.status], live.last_error if live.status == LfpseSubmission.Status.REJECTED else "")
            record.save()
        return record
    record.submissions.filter(status=LfpseSubmission.Status.PENDING).update(status=LfpseSubmission.Status.SUPERSEDED)
    record.version += 1
    submission = LfpseSubmission.objects.create(
        record=record, version=record.version, idempotency_key=f"lfpse:{incident.pk}:v{record.version}",
        content_hash=digest, resource=resource,
        next_attempt_at=timezone.now() + timedelta(seconds=settings.LFPSE_SWEEP_GRACE_SECONDS),
    )
    _set_state(record, LfpseState.QUEUED)
    record.save()
    audit_record(
        actor=actor, action="incident.lfpse_queued", target=incident, organisation=incident.organisation,
        changes={"LFPSE version": [record.version - 1 or None, record.version],
                 "LFPSE": [None, "an update of " + record.lfpse_id if record.lfpse_id else "a new event"]},
    )
    transaction.on_commit(lambda: lfpse_enqueue(submission_id=submission.pk))
    return record


def lfpse_enqueue(*, submission_id: int) -> bool:
    return _publish(deliver_lfpse_submission, [submission_id], what=f"LFPSE submission {submission_id}",
                    sweep_will="send it")


def lfpse_reevaluate_held() -> int:
    """After a new mapping is deployed: try every held incident again. Returns how many are no longer held."""
    released = 0
    for record_id in LfpseRecord.objects.filter(state=LfpseState.HELD).values_list("pk", flat=True):
        with transaction.atomic():
            record = LfpseRecord.objects.select_related("incident").get(pk=record_id)
            incident = MedicationIncident.objects.select_for_update().select_related("organisation").get(pk=record.incident_id)
            released += lfpse_on_change(incident=incident).state != LfpseState.HELD
    return released


def mapping_version() -> str:
    return mapping()["mapping_version"]
