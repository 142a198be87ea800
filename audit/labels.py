"""The audit trail in the product's words: what happened, which detail changed, and its values as
people know them ("Initial severity: Major → Considerable", not "initial_severity: 4 → 3").

The trail itself keeps the codes (they are what the hash chain signs); these turn them into words
when a page or an email shows them. Field names and values come from the models' own verbose names
and choices, looked up on the event's object and the models that hang off it (a hazard's controls,
an incident's actions), so a new field needs no entry here; a new action needs one in ACTION_LABELS.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import capfirst

ACTION_LABELS = {
    "api.called": "API called",
    "api_client.created": "API client made",
    "api_client.revoked": "API client revoked",
    # LFPSE, the national patient safety events service
    "incident.lfpse_queued": "Queued for LFPSE",
    "incident.lfpse_held": "Held back from LFPSE: no LFPSE code",
    "incident.lfpse_accepted": "Accepted by LFPSE",
    "incident.lfpse_rejected": "Rejected by LFPSE",
    # Monthly medication safety report
    "board_report.prepared": "Monthly medication safety report prepared",
    "board_report.narrative_saved": "Report narrative saved",
    "board_report.issued": "Monthly medication safety report issued",
    "board_report.acknowledged": "Monthly medication safety report acknowledged by the board director",
    "board_report.reminded": "Reminder sent: report not yet issued",
    # Registry
    "organisation.created": "Organisation added",
    "organisation.imported": "Organisation imported",
    "organisation.updated": "Organisation record changed",
    "organisation.confirmed": "Record confirmed as correct",
    "role.assigned": "Role given",
    "role.ended": "Role ended",
    "person.details_updated": "Professional details changed",
    "person.training_recorded": "Clinical safety training recorded",
    "person.registration_verified": "Professional registration verified",
    "person.training_verified": "Clinical safety training verified",
    "change_request.created": "Change of details sent to the national registry",
    "change_request.accepted": "Change of details accepted by the national registry",
    "change_request.queried": "Change of details queried by the national registry",
    "change_request.withdrawn": "Change of details withdrawn",
    "handover.started": "Handover started",
    "handover.item_done": "Handover checklist item updated",
    "handover.completed": "Handover completed",
    "handover.cancelled": "Handover cancelled",
    "communication.drafted": "National communication drafted",
    "communication.sent": "National communication sent",
    "communication.received": "National communication marked received",
    "communication.completed": "National communication action marked complete",
    # Incidents
    "incident.reported": "Incident reported",
    "incident.status_changed": "Status changed",
    "incident.regraded": "Harm grade changed",
    "incident.learning_recorded": "Learning recorded",
    "incident.action_added": "Action added",
    "incident.action_completed": "Action marked done",
    "incident.action_reassigned": "Action given to a new owner",
    "incident.action_chased": "Overdue action chased",
    "incident.reviewer_changed": "Reviewer changed",
    "incident.follow_up_code_reissued": "New follow-up code issued to the anonymous reporter",
    "incident.feedback_given": "Feedback given to the reporter",
    "incident.escalated": "Escalated",
    "incident.escalation_acknowledged": "Escalation acknowledged",
    "incident.escalation_chased": "Escalation chased",
    "incident.escalation_assigned": "Escalation given to the newly named board director",
    "incident.candour_started": "Duty of candour started: a notifiable safety incident",
    "incident.candour_withdrawn": "Duty of candour withdrawn",
    "incident.candour_told_in_person": "Duty of candour: the person told in person",
    "incident.candour_letter_edited": "Duty of candour: letter edited",
    "incident.candour_letter_sent": "Duty of candour: letter sent",
    "incident.candour_findings_shared": "Duty of candour: findings shared",
    "incident.candour_not_possible": "Duty of candour: notification not possible",
    "incident.candour_chased": "Duty of candour chased",
    "incident.learning_response_commissioned": "Learning response commissioned",
    "psirf.plan_rule_added": "Response plan rule added",
    "psirf.plan_rule_retired": "Response plan rule retired",
    "psirf.response_commissioned": "Learning response commissioned",
    "psirf.response_updated": "Learning response changed",
    "psirf.response_completed": "Learning response completed",
    "psirf.safety_actions_linked": "Safety actions linked to the learning response",
    "bulletin.drafted": "Learning bulletin drafted",
    "bulletin.published": "Learning bulletin published",
    # Clinical safety
    "health_it_system.created": "System added",
    "health_it_system.updated": "System details changed",
    "hazard.created": "Hazard added",
    "hazard.updated": "Hazard changed",
    "hazard.control_added": "Control added",
    "hazard.imported": "Hazard imported from the manufacturer's log",
    "hazard_log.issued": "Hazard log version issued and signed",
    "safety_case.drafted": "Safety case drafted",
    "safety_case.updated": "Safety case changed",
    "safety_case.submitted": "Safety case signed and submitted",
    "safety_case.approved": "Safety case approved",
    "safety_case.rejected": "Safety case returned to the CSO",
    "safety_case.out_of_date": "Safety case marked out of date",
    "safety_case.superseded": "Safety case replaced by a newer one",
}

# The kinds of event a reader can narrow an organisation's history to, by the actions' first word.
HISTORY_KINDS = {
    "record": ("Record and national list", ("organisation.", "change_request.")),
    "roles": ("Roles and handovers", ("role.", "person.", "handover.")),
    "incidents": ("Medication incidents and bulletins", ("incident.", "bulletin.", "psirf.")),
    "clinical_safety": ("Hazard logs and safety cases", ("health_it_system.", "hazard.", "hazard_log.", "safety_case.")),
    "communications": ("National communications", ("communication.",)),
}

EMPTY = "—"


@dataclass(frozen=True)
class ChangeInWords:
    field: str
    before: str  # "" when the detail was not set before
    after: str


def action_label(action: str) -> str:
    """The label of an action code; an unknown code still reads as words ("Thing: done something")."""
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    kind, _, what = action.partition(".")
    return capfirst(f"{kind.replace('_', ' ')}: {what.replace('_', ' ')}" if what else kind.replace("_", " "))


def _model_fields(model, name: str):
    """The model field called `name` on the model or on a model that points at it, or None."""
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        pass
    for relation in model._meta.related_objects:
        try:
            return relation.related_model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
    return None


def field_label(model, name: str, *, capitalise: bool = True) -> str:
    """A model field's verbose name; a name that is not a field reads as words."""
    field = _model_fields(model, name)
    label = str(field.verbose_name) if field is not None and hasattr(field, "verbose_name") else name.replace("_", " ")
    return capfirst(label) if capitalise else label


def value_label(model, name: str, value) -> str:
    """A stored value as people read it: a choice's label, a date written out, Yes/No, lists joined."""
    if value is None or value == "":
        return ""
    if isinstance(value, list):
        return ", ".join(value_label(model, name, item) for item in value)
    field = _model_fields(model, name)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if field is not None and getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.DateTimeField) and isinstance(value, str) and (moment := parse_datetime(value)):
        return formats.date_format(moment, "j M Y H:i")
    if isinstance(field, models.DateField) and isinstance(value, str):
        day = parse_date(value[:10]) if len(value) >= 10 else None
        if isinstance(day, datetime.date):
            return formats.date_format(day, "j M Y")
    return str(value)


def changes_in_words(model, changes: dict) -> list[ChangeInWords]:
    described = []
    for name, values in (changes or {}).items():
        before, after = (values + [None, None])[:2] if isinstance(values, list) else (None, values)
        described.append(
            ChangeInWords(field_label(model, name), value_label(model, name, before), value_label(model, name, after) or EMPTY)
        )
    return described


def fields_in_words(model, names) -> str:
    """"title, residual likelihood and justification for accepting the residual risk", for a sentence."""
    labels = [field_label(model, name, capitalise=False) for name in names]
    if len(labels) < 2:
        return "".join(labels)
    return f"{', '.join(labels[:-1])} and {labels[-1]}"
