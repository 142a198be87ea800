"""Incidents as their readers see them: the reporter's own, the review queue, the director's escalations,
an anonymous report found by its follow-up code."""

import hmac
from collections import defaultdict

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from .. import permissions
from ..candour_selectors import LIVE_OPEN
from ..codes import follow_up_code_hash
from ..models import CandourRecord, Escalation, IncidentAction, IncidentMedicine, MedicationIncident


def incidents_visible_to(user) -> QuerySet[MedicationIncident]:
    """A reporter sees their own named reports; the MSO team their organisation's; the board
    director the incidents escalated to them. Nobody sees another organisation's."""
    if not user.is_authenticated:
        return MedicationIncident.objects.none()
    escalated = Escalation.objects.filter(incident=OuterRef("pk"))
    return MedicationIncident.objects.select_related("organisation").filter(
        Q(reporter=user)
        | Q(organisation_id__in=permissions.review_organisation_ids(user))
        | (Q(organisation_id__in=permissions.director_organisation_ids(user)) & Exists(escalated))
    )


def incident_for_page(user, reference: str) -> QuerySet[MedicationIncident]:
    """The one incident, with everything its page shows, in a fixed number of queries."""
    return incidents_visible_to(user).filter(reference=reference).select_related("reporter", "harm_confirmed_by").prefetch_related(
        "medicines",
        "error_type_rows",
        Prefetch("actions", queryset=IncidentAction.objects.select_related("owner", "done_by")),
        Prefetch("escalations", queryset=Escalation.objects.select_related("raised_by", "acknowledged_by")),
        "candour_records",
    )


def review_queue(user) -> QuerySet[MedicationIncident]:
    """The incidents the user reviews, with what the queue shows; sorted and filtered by the FilterSet."""
    return review_queue_of(permissions.review_organisation_ids(user))


def review_queue_of(organisation_ids) -> QuerySet[MedicationIncident]:
    """The review queue of these organisations (the page's, for its reader; the API's, for its client)."""
    # A subquery per shown row, not a JOIN ... GROUP BY over every incident: with the grouping the
    # database had to aggregate the whole queue before it could take the first 25 by the index.
    open_actions = (
        IncidentAction.objects.filter(incident=OuterRef("pk"), done_at__isnull=True)
        .order_by().values("incident").annotate(n=Count("pk")).values("n")
    )
    return (
        MedicationIncident.objects.filter(organisation_id__in=organisation_ids)
        .select_related("organisation")
        # The harm rank to sort by is added by the filter only when that sort is chosen.
        .annotate(open_actions=Coalesce(Subquery(open_actions, output_field=IntegerField()), 0))
        .order_by("-submitted_at", "-pk")
    )


def review_queue_badges(incidents) -> list[MedicationIncident]:
    """A queue page's incidents (a list, or a page of them) with what their rows show beside the incident
    itself, each read by one query on the page's ids, as plain values where a row needs no more:
    `row_medicines` [(name, high-alert)], `open_escalations` (the ids of the open ones) and `open_candour`
    (the duty of candour still to do). Prefetching built a model object per medicine and escalation, which
    cost more than the rows' formatting. (As an EXISTS column, PostgreSQL hashed every open escalation in the
    country before returning the first 25 rows: these stay queries on the page's ids.)"""
    incidents = list(incidents)
    ids = [incident.pk for incident in incidents]
    medicines, escalations, candour = defaultdict(list), defaultdict(list), defaultdict(list)
    # Read off the covering index (incident_medicine_cover), in the order the incident's page lists them.
    for incident_id, name, high_alert in (IncidentMedicine.objects.filter(incident_id__in=ids).order_by("pk")
                                          .values_list("incident_id", "name", "high_alert")):
        medicines[incident_id].append((name, high_alert))
    for incident_id, pk in Escalation.objects.filter(incident_id__in=ids, acknowledged_at__isnull=True).values_list(
            "incident_id", "pk"):
        escalations[incident_id].append(pk)
    for record in CandourRecord.objects.filter(LIVE_OPEN, incident_id__in=ids).order_by("pk"):
        candour[record.incident_id].append(record)
    for incident in incidents:
        incident.row_medicines = medicines[incident.pk]
        incident.open_escalations = escalations[incident.pk]
        incident.open_candour = candour[incident.pk]
    return incidents


# What a row of the review queue page shows of each incident (incidents_tags.review_queue_rows): the rest of
# an incident (its narratives above all) is never read for the list.
REVIEW_QUEUE_ROW_FIELDS = ("reference", "red_flag", "submitted_at", "department", "stage", "physical_harm", "status",
                           "organisation__name")


def incidents_of(organisation_ids) -> QuerySet[MedicationIncident]:
    """The organisations' incidents, newest first, with their medicines and error types: what the API
    shows of each, without the queue page's badges (open actions, escalations, candour), which it
    would fetch and never show."""
    return (
        MedicationIncident.objects.filter(organisation_id__in=organisation_ids)
        .select_related("organisation")
        .prefetch_related("medicines", "error_type_rows")
        .order_by("-submitted_at", "-pk")
    )


def my_reports(user) -> QuerySet[MedicationIncident]:
    """The user's own named reports, newest first (anonymous reports are not linked to anyone)."""
    return MedicationIncident.objects.filter(reporter=user).select_related("organisation").order_by("-submitted_at")


def incident_by_follow_up_code(*, reference: str, code: str) -> MedicationIncident | None:
    """The anonymous report with this reference, if the code is its own; None otherwise, whether
    the reference exists or not, so a wrong guess learns nothing."""
    incident = (
        MedicationIncident.objects.filter(reference=(reference or "").strip().upper(), is_anonymous=True)
        .exclude(follow_up_code_hash="")
        .first()
    )
    expected = incident.follow_up_code_hash if incident else "0" * 64
    if not hmac.compare_digest(expected, follow_up_code_hash(code)) or incident is None:
        return None
    return incident


def escalations_for_director(user) -> QuerySet[Escalation]:
    """Escalations to the organisations where the user is board director, open ones first."""
    return (
        Escalation.objects.filter(organisation_id__in=permissions.director_organisation_ids(user))
        .select_related("incident", "organisation", "raised_by", "acknowledged_by")
        .order_by(Case(When(acknowledged_at__isnull=True, then=Value(0)), default=Value(1)), "acknowledge_by", "-raised_at")
    )


def incident_summary(incident) -> dict:
    """An incident as people outside the MSO team may see it (a bulletin's readers, an action's owner):
    month, stage, what went wrong, medicines, harm and the learning. Never the reporter, the NHS
    number, the description or the department, any of which could identify a patient or the person
    who reported. Reads prefetched medicines and error types."""
    return {
        "month": incident.occurred_at,
        "stage": incident.get_stage_display(),
        "what_went_wrong": incident.error_type_labels(),
        "medicines": [
            {"name": m.name, "route": m.get_route_display() if m.route else "", "high_alert": m.high_alert}
            for m in incident.medicines.all()
        ],
        "harm": incident.get_physical_harm_display(),
        "never_event": incident.get_never_event_display() if incident.never_event else "",
        "learning": incident.learning_summary,
    }
