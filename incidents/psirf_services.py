"""Writes of PSIRF: the response plan's rules and the learning responses. Each runs in one transaction
with its audit records and any email (keys from the response and its lead)."""

from datetime import date

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.services import audit_record
from core.domain import DomainError, NotAllowed
from mso_registry.selectors import current_roles_of
from notifications.services import notification_queue

from . import permissions, psirf
from .models import IncidentAction, LearningResponse, MedicationIncident, ResponsePlanRule, ResponseType, Status

PLAN_RULE_FIELDS = ["name", "response_type", "order", "never_event", "high_alert", "minimum_harm", "error_type",
                    "stage", "medicine_contains"]
# More than this many incidents is a search to narrow, not a review a team can read.
THEMATIC_MAX_INCIDENTS = 200


def plan_rule_add(*, actor, organisation, details: dict) -> ResponsePlanRule:
    if not permissions.can_keep_response_plan(actor, organisation):
        raise NotAllowed("Only the organisation's MSO team keeps its response plan.")
    values = {f: details.get(f) for f in PLAN_RULE_FIELDS if f in details}
    if not any(values.get(f) for f in ["never_event", "high_alert", "minimum_harm", "error_type", "stage", "medicine_contains"]):
        raise DomainError("Set at least one condition, or the rule would match every incident.")
    with transaction.atomic():
        rule = ResponsePlanRule.objects.create(organisation=organisation, created_by=actor, **values)
        audit_record(actor=actor, action="psirf.plan_rule_added", target=rule, organisation=organisation,
                     changes={"rule": [None, str(rule)]})
    return rule


def plan_rule_retire(*, actor, rule: ResponsePlanRule) -> ResponsePlanRule:
    with transaction.atomic():
        rule = ResponsePlanRule.objects.select_for_update().get(pk=rule.pk)
        if not permissions.can_keep_response_plan(actor, rule.organisation):
            raise NotAllowed("Only the organisation's MSO team keeps its response plan.")
        if not rule.active:
            raise DomainError("This rule is already retired.")
        rule.active = False
        rule.save(update_fields=["active"])
        audit_record(actor=actor, action="psirf.plan_rule_retired", target=rule, organisation=rule.organisation,
                     changes={"active": [True, False]})
    return rule


def suggestion_for(incident: MedicationIncident) -> psirf.Suggestion | None:
    """What PSIRF and the plan suggest for this incident (reads its prefetched medicines and error types)."""
    rules = ResponsePlanRule.objects.filter(organisation_id=incident.organisation_id, active=True)
    return psirf.suggest(list(rules), psirf.facts_of(incident))


def _check_lead(lead, organisation) -> None:
    if not any(a.organisation_id == organisation.pk for a in current_roles_of(lead)):
        raise DomainError(f"{lead} does not hold a role in {organisation.name}; choose a lead who does.")


def response_commission(
    *, actor, incidents, response_type: str, title: str, lead, participants: str = "", reason: str = "",
    commissioned_on: date | None = None,
) -> LearningResponse:
    """Commission a learning response. One incident for a PSII, AAR, SWARM or MDT review, at most one open
    per incident; two or more for a thematic review. Choosing other than the plan's suggestion needs a
    reason. Every covered incident's history records it; the lead is emailed once."""
    incidents = list(incidents)
    if response_type not in ResponseType.values:
        raise DomainError("Choose a type of learning response.")
    if not incidents:
        raise DomainError("Choose the incidents the response covers.")
    organisation = incidents[0].organisation
    if any(i.organisation_id != organisation.pk for i in incidents):
        raise DomainError("A learning response covers one organisation's incidents.")
    if not permissions.can_commission_response(actor, organisation):
        raise NotAllowed("Only the MSO or deputy MSO commissions a learning response.")
    thematic = response_type == ResponseType.THEMATIC
    if thematic and not 2 <= len(incidents) <= THEMATIC_MAX_INCIDENTS:
        raise DomainError(f"A thematic review looks across 2 to {THEMATIC_MAX_INCIDENTS} incidents; you chose {len(incidents)}.")
    if not thematic and len(incidents) != 1:
        raise DomainError("A PSII, AAR, SWARM huddle or MDT review is about one incident; use a thematic review for several.")
    if not title.strip():
        raise DomainError("Give the response a title.")
    _check_lead(lead, organisation)
    commissioned_on = commissioned_on or timezone.localdate()
    with transaction.atomic():
        locked = list(MedicationIncident.objects.select_for_update().filter(pk__in=[i.pk for i in incidents]).order_by("pk"))
        suggestion = None
        if not thematic:
            [incident] = locked
            if incident.status == Status.CLOSED:
                raise DomainError(f"{incident.reference} is closed. Reopen it to commission a learning response.")
            if incident.learning_responses.filter(status=LearningResponse.Status.OPEN).exclude(
                    response_type=ResponseType.THEMATIC).exists():
                raise DomainError(f"{incident.reference} already has a learning response in progress.")
            incident = MedicationIncident.objects.prefetch_related("medicines", "error_type_rows").get(pk=incident.pk)
            suggestion = suggestion_for(incident)
            if suggestion and suggestion.response_type != response_type and not reason.strip():
                raise DomainError(f"The plan suggests: {suggestion.label}. Say why you chose "
                                  f"{ResponseType(response_type).label} instead.")
        elif LearningResponse.objects.filter(organisation=organisation, status=LearningResponse.Status.OPEN,
                                             response_type=ResponseType.THEMATIC, title__iexact=title.strip()).exists():
            raise DomainError(f"A thematic review called “{title.strip()}” is already in progress.")
        response = LearningResponse.objects.create(
            organisation=organisation, response_type=response_type, title=title.strip(), lead=lead,
            participants=participants.strip(), commissioned_on=commissioned_on,
            due_date=psirf.response_due(response_type, commissioned_on),
            suggested_type=suggestion.response_type if suggestion else "", plan_rule=suggestion.rule if suggestion else None,
            choice_reason=reason.strip(), created_by=actor,
        )
        response.incidents.set(locked)
        changes = {"learning_response": [None, str(response)], "lead": [None, lead.email],
                   "due_date": [None, response.due_date.isoformat()]}
        if suggestion:
            changes["suggested"] = [None, suggestion.label]
        if reason.strip():
            changes["reason"] = [None, reason.strip()]
        audit_record(actor=actor, action="psirf.response_commissioned", target=response, organisation=organisation,
                     changes={**changes, "incidents": [None, sorted(i.reference for i in locked)]})
        for incident in locked:
            audit_record(actor=actor, action="incident.learning_response_commissioned", target=incident,
                         organisation=organisation, changes=changes)
        if lead.pk != actor.pk:
            notification_queue(
                recipient=lead.email, subject=f"You lead a learning response: {response.get_response_type_display()}, {response.title}",
                template="incidents/email/learning_response_lead",
                context={"person": str(lead), "type": response.get_response_type_display(), "title": response.title,
                         "due_date": response.due_date.strftime("%-d %B %Y"), "organisation": organisation.name,
                         "url": settings.SITE_URL.rstrip("/") + reverse("incidents:response_detail", args=[response.pk])},
                idempotency_key=f"learning-response:{response.pk}:lead:{lead.pk}",
            )
    return response


def _locked_open(response: LearningResponse, actor) -> LearningResponse:
    response = LearningResponse.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=response.pk)
    if not permissions.can_keep_response_plan(actor, response.organisation):
        raise NotAllowed("Only the organisation's MSO team works on its learning responses.")
    if not response.is_open:
        raise DomainError("This learning response is completed; it is kept as it was completed.")
    return response


RESPONSE_TEXT_FIELDS = ["participants", "patient_family_engagement", "staff_engagement", "findings"]


def response_update(*, actor, response: LearningResponse, details: dict) -> LearningResponse:
    """Record who took part, how the patient, family and staff were engaged, and the findings. A field
    the form did not send keeps its value."""
    with transaction.atomic():
        response = _locked_open(response, actor)
        changes = {}
        for field in RESPONSE_TEXT_FIELDS:
            if field in details and details[field] is not None:
                value = details[field].strip()
                if value != getattr(response, field):
                    changes[field] = [getattr(response, field), value]
                    setattr(response, field, value)
        if changes:
            response.save(update_fields=list(changes))
            audit_record(actor=actor, action="psirf.response_updated", target=response, organisation=response.organisation,
                         changes=changes)
    return response


def response_link_actions(*, actor, response: LearningResponse, actions) -> int:
    """Link the covered incidents' actions as the response's safety actions; returns how many are new."""
    with transaction.atomic():
        response = _locked_open(response, actor)
        covered = set(response.incidents.values_list("pk", flat=True))
        actions = list(actions)
        strangers = [a for a in actions if a.incident_id not in covered]
        if strangers:
            raise DomainError("A safety action must be an action of an incident this response covers.")
        already = set(response.safety_actions.values_list("pk", flat=True))
        new = [a for a in actions if a.pk not in already]
        if new:
            response.safety_actions.add(*new)
            audit_record(actor=actor, action="psirf.safety_actions_linked", target=response,
                         organisation=response.organisation, changes={"safety_actions": [None, [a.description for a in new]]})
    return len(new)


def response_complete(*, actor, response: LearningResponse) -> LearningResponse:
    """Complete the response: its findings and how patient, family and staff were engaged must be written
    (PSIRF: those affected are engaged in every response). The MSO or deputy completes it."""
    with transaction.atomic():
        response = _locked_open(response, actor)
        if not permissions.can_commission_response(actor, response.organisation):
            raise NotAllowed("Only the MSO or deputy MSO completes a learning response.")
        missing = [label for field, label in [("findings", "the findings"),
                                              ("patient_family_engagement", "how the patient and family were engaged"),
                                              ("staff_engagement", "how staff were engaged")]
                   if not getattr(response, field).strip()]
        if missing:
            raise DomainError("Before completing it, record " + ", ".join(missing) + ".")
        response.status = LearningResponse.Status.COMPLETED
        response.completed_at, response.completed_by = timezone.now(), actor
        response.save(update_fields=["status", "completed_at", "completed_by"])
        audit_record(actor=actor, action="psirf.response_completed", target=response, organisation=response.organisation,
                     changes={"status": ["In progress", "Completed"],
                              "safety_actions": [None, response.safety_actions.count()]})
    return response


def open_responses_of(incident: MedicationIncident) -> list[LearningResponse]:
    return list(incident.learning_responses.filter(status=LearningResponse.Status.OPEN))


def linkable_actions(response: LearningResponse):
    return IncidentAction.objects.filter(incident__in=response.incidents.all()).select_related("incident", "owner")
