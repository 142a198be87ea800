"""Reporting an incident, and a new follow-up code for the form that sent an anonymous report."""

from collections import Counter
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from core.domain import DomainError, NotAllowed
from mso_registry.models import Organisation
from submissions.services import submission_claim, submission_made, submission_made_by

from .. import permissions, rules
from ..codes import follow_up_code_hash, follow_up_code_new
from ..lfpse.services import lfpse_on_change
from ..models import IncidentErrorType, IncidentMedicine, MedicationIncident
from ..references import reference_format, reference_numbers_take
from ..summary import report_cells, summary_change
from ..validators import is_known_high_alert_medicine, normalise_nhs_number
from .shared import _locked, _red_flag_raise


# What each one-time submission key is for (submissions/); a per-object one ends with ":<pk>".
REPORT_PURPOSE = "incident.report"


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
        # Last, just before commit: every report of the organisation that month updates the same summary
        # rows, and the row locks this takes are held only from here to the commit.
        summary_change(incident=incident, before=Counter(),
                       after=report_cells(incident, medicines=reported_medicines, error_types=set(error_types)))
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
