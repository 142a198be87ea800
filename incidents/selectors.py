"""Reads of medication incidents, always scoped to the reader: another organisation's
incident is not found, rather than refused."""

import hmac
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import (
    Avg,
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from mso_registry.models import RoleAssignment

from . import permissions
from .models import (
    HARM_RANK,
    OPEN_STATUSES,
    Escalation,
    IncidentAction,
    MedicationIncident,
    Status,
)


def _open_escalation():
    return Escalation.objects.filter(incident=OuterRef("pk"), acknowledged_at__isnull=True)


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
    )


def review_queue(user) -> QuerySet[MedicationIncident]:
    """The incidents the user reviews, with what the queue shows; sorted and filtered by the FilterSet."""
    harm_rank = Case(*(When(physical_harm=k, then=Value(v)) for k, v in HARM_RANK.items()), output_field=IntegerField())
    return (
        MedicationIncident.objects.filter(organisation_id__in=permissions.review_organisation_ids(user))
        .select_related("organisation")
        .annotate(
            harm_rank=harm_rank,
            open_escalation=Exists(_open_escalation()),
            open_actions=Count("actions", filter=Q(actions__done_at__isnull=True)),
        )
        .prefetch_related("medicines")
        .order_by("-submitted_at", "-pk")
    )


def my_reports(user) -> QuerySet[MedicationIncident]:
    """The user's own named reports, newest first (anonymous reports are not linked to anyone)."""
    return MedicationIncident.objects.filter(reporter=user).select_related("organisation").order_by("-submitted_at")


def incident_by_follow_up_code(*, reference: str, code: str) -> MedicationIncident | None:
    """The anonymous report with this reference, if the code is its own; None otherwise, whether
    the reference exists or not, so a wrong guess learns nothing."""
    from .services import follow_up_code_hash

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


def action_owner_choices(organisation_id: int):
    """People who hold a current role in the organisation: the ones an action may be given to."""
    holders = RoleAssignment.objects.current().filter(organisation_id=organisation_id).values("user_id")
    return get_user_model().objects.filter(pk__in=holders, is_active=True).order_by("full_name", "email")


def home_section(user) -> dict:
    """What the home page shows about incidents for this user's roles, in a few bounded queries."""
    today = timezone.localdate()
    section = {
        "can_report": bool(permissions.organisations_user_reports_for(user)),
        "my_reports": list(my_reports(user)[:5]),
        "reviews": None,
        "director_escalations": None,
    }
    review_ids = permissions.review_organisation_ids(user)
    if review_ids:
        incidents = MedicationIncident.objects.filter(organisation_id__in=review_ids)
        section["reviews"] = {
            **incidents.aggregate(
                new=Count("pk", filter=Q(status=Status.SUBMITTED)),
                open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
                red_flags_open=Count("pk", filter=Q(status__in=OPEN_STATUSES, red_flag=True)),
            ),
            "overdue_actions": IncidentAction.objects.filter(
                incident__organisation_id__in=review_ids, done_at__isnull=True, due_date__lt=today
            ).count(),
            "overdue_escalations": list(
                Escalation.objects.filter(
                    organisation_id__in=review_ids, acknowledged_at__isnull=True, acknowledge_by__lt=today
                ).select_related("incident")[:5]
            ),
        }
    if permissions.director_organisation_ids(user):
        section["director_escalations"] = list(escalations_for_director(user).filter(acknowledged_at__isnull=True)[:10])
    return section


def dashboard_organisations(user):
    from mso_registry.models import Organisation

    return Organisation.objects.filter(pk__in=permissions.dashboard_organisation_ids(user)).order_by("name")


def dashboard(*, organisation, date_from: date | None = None, date_to: date | None = None, department: str = "") -> dict:
    """Every figure the trust dashboard shows, each one aggregate query in the database."""
    from django.db.models.functions import TruncMonth

    from .models import IncidentErrorType, IncidentMedicine

    incidents = MedicationIncident.objects.filter(organisation=organisation)
    if date_from:
        incidents = incidents.filter(submitted_at__gte=timezone.make_aware(datetime.combine(date_from, time.min)))
    if date_to:
        incidents = incidents.filter(
            submitted_at__lt=timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min))
        )
    if department:
        incidents = incidents.filter(department__iexact=department)
    today = timezone.localdate()

    totals = incidents.aggregate(
        total=Count("pk"),
        high_alert=Count("pk", filter=Q(high_alert=True)),
        never_events=Count("pk", filter=~Q(never_event="")),
        no_or_low_harm=Count("pk", filter=Q(physical_harm__in=["none", "low"])),
        open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
    )
    per_month = list(
        incidents.annotate(month=TruncMonth("submitted_at"))
        .values("month")
        .annotate(
            total=Count("pk"),
            moderate_or_worse=Count("pk", filter=Q(physical_harm__in=["moderate", "severe", "fatal"])),
        )
        .order_by("month")
    )
    by_stage = list(incidents.values("stage").annotate(total=Count("pk")).order_by("-total"))
    by_harm = list(incidents.values("physical_harm").annotate(total=Count("pk")))
    by_error = list(
        IncidentErrorType.objects.filter(incident__in=incidents)
        .values("error_type").annotate(total=Count("pk")).order_by("-total")[:10]
    )
    top_medicines = list(
        IncidentMedicine.objects.filter(incident__in=incidents)
        .values("name").annotate(total=Count("pk"), high_alert=Count("pk", filter=Q(high_alert=True)))
        .order_by("-total", "name")[:10]
    )
    actions = IncidentAction.objects.filter(incident__in=incidents).aggregate(
        open=Count("pk", filter=Q(done_at__isnull=True)),
        overdue=Count("pk", filter=Q(done_at__isnull=True, due_date__lt=today)),
    )
    to_review = incidents.filter(review_started_at__isnull=False).aggregate(
        reviewed=Count("pk"),
        mean=Avg(ExpressionWrapper(F("review_started_at") - F("submitted_at"), output_field=DurationField())),
    )
    mean_days_to_review = round(to_review["mean"].total_seconds() / 86400, 1) if to_review["mean"] else None
    return {
        "totals": totals,
        "per_month": per_month,
        "by_stage": by_stage,
        "by_harm": by_harm,
        "by_error": by_error,
        "top_medicines": top_medicines,
        "actions": actions,
        "mean_days_to_review": mean_days_to_review,
        "reviewed_count": to_review["reviewed"],
        "departments": list(
            MedicationIncident.objects.filter(organisation=organisation)
            .values_list("department", flat=True).distinct().order_by("department")[:200]
        ),
    }
