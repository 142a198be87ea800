"""Reads of PSIRF, scoped to the reader: learning responses, the plan, and the thematic view."""

from collections import Counter
from datetime import datetime, time, timedelta

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from . import permissions
from .models import (
    ContributingFactor,
    ErrorType,
    IncidentAction,
    IncidentErrorType,
    IncidentMedicine,
    LearningResponse,
    MedicationIncident,
    ResponsePlanRule,
)
from .psirf_services import THEMATIC_MAX_INCIDENTS


def responses_visible_to(user) -> QuerySet[LearningResponse]:
    """The MSO team's own organisations' learning responses; another organisation's is not found."""
    return LearningResponse.objects.filter(organisation_id__in=permissions.review_organisation_ids(user)).select_related(
        "organisation", "lead")


def response_for_page(user, pk: int) -> QuerySet[LearningResponse]:
    return responses_visible_to(user).filter(pk=pk).prefetch_related(
        "incidents", Prefetch("safety_actions", queryset=IncidentAction.objects.select_related("incident", "owner")))


def plan_rules_visible_to(user) -> QuerySet[ResponsePlanRule]:
    return ResponsePlanRule.objects.filter(organisation_id__in=permissions.review_organisation_ids(user)).select_related(
        "organisation")


def thematic_incidents(user, filters: dict) -> QuerySet[MedicationIncident]:
    """The reader's organisations' incidents matching the thematic view's filters, newest first, with what
    the view shows side by side (at most THEMATIC_MAX_INCIDENTS + 1 are read, to say there were more)."""
    incidents = MedicationIncident.objects.filter(organisation_id__in=permissions.review_organisation_ids(user))
    if filters.get("medicine"):
        incidents = incidents.filter(Exists(IncidentMedicine.objects.filter(
            incident=OuterRef("pk"), name__icontains=filters["medicine"])))
    if filters.get("error_type"):
        incidents = incidents.filter(Exists(IncidentErrorType.objects.filter(
            incident=OuterRef("pk"), error_type=filters["error_type"])))
    if filters.get("stage"):
        incidents = incidents.filter(stage=filters["stage"])
    if filters.get("department"):
        incidents = incidents.filter(department__icontains=filters["department"])
    if filters.get("date_from"):
        incidents = incidents.filter(occurred_at__gte=timezone.make_aware(datetime.combine(filters["date_from"], time.min)))
    if filters.get("date_to"):
        incidents = incidents.filter(
            occurred_at__lt=timezone.make_aware(datetime.combine(filters["date_to"] + timedelta(days=1), time.min)))
    return incidents.select_related("organisation").prefetch_related("medicines", "error_type_rows").order_by("-occurred_at", "-pk")


def thematic_summary(incidents: list[MedicationIncident]) -> dict:
    """What the chosen incidents have in common: error types, contributing factors and medicines, most
    frequent first, counted once per incident."""
    errors, factors, medicines = Counter(), Counter(), Counter()
    for incident in incidents:
        errors.update({row.error_type for row in incident.error_type_rows.all()})
        factors.update(set(incident.contributing_factors) & set(ContributingFactor.values))
        medicines.update({m.name.strip().capitalize() for m in incident.medicines.all()})
    return {
        "error_types": [(ErrorType(k).label, n) for k, n in errors.most_common()],
        "contributing_factors": [(ContributingFactor(k).label.split(" (")[0], n) for k, n in factors.most_common()],
        "medicines": medicines.most_common(15),
    }


__all__ = ["THEMATIC_MAX_INCIDENTS"]
