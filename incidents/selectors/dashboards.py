"""The trust dashboard (from the monthly summary, or from the incidents for any other period) and the
national one."""

from collections import Counter
from datetime import date, datetime, time, timedelta

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Max, Min, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from mso_registry.models import Organisation, Region

from .. import permissions
from ..candour_selectors import candour_in_time_per_month
from ..models import (
    MODERATE_OR_WORSE,
    OPEN_STATUSES,
    IncidentAction,
    IncidentErrorType,
    IncidentMedicine,
    IncidentMonthlySummary,
    MedicationIncident,
    NationalIncidentSummary,
    PhysicalHarm,
)


def dashboard_organisations(user):
    return Organisation.objects.filter(pk__in=permissions.dashboard_organisation_ids(user)).order_by("name")


def dashboard_default_start() -> date:
    """The dashboard's period unless the reader picks one: the current month and the eleven before.
    Ten years of a big trust's incidents aggregated on every view would be slow and unreadable."""
    first = timezone.localdate().replace(day=1)
    for _ in range(11):
        first = (first - timedelta(days=1)).replace(day=1)
    return first


def _period_lookups(date_from: date | None, date_to: date | None, prefix: str = "") -> dict:
    """The filters of incidents reported from date_from to date_to (local days), on the incident itself
    or, with a prefix ("incident_", an action's copy of its incident's report time), on something of one."""
    lookups = {}
    if date_from:
        lookups[f"{prefix}submitted_at__gte"] = timezone.make_aware(datetime.combine(date_from, time.min))
    if date_to:
        lookups[f"{prefix}submitted_at__lt"] = timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min))
    return lookups


def _dashboard_period(*, organisation, date_from: date | None, date_to: date | None, department: str):
    period = MedicationIncident.objects.filter(organisation=organisation, **_period_lookups(date_from, date_to))
    return period, (period.filter(department__iexact=department) if department else period)


def dashboard(*, organisation, date_from: date | None = None, date_to: date | None = None, department: str = "") -> dict:
    """Every figure the trust dashboard shows. Whole months without a department (the default view,
    the last twelve months) are read from the monthly summary the services keep (dashboard_summary);
    any other period is aggregated from the incidents."""
    whole_months = (not department and (date_from is None or date_from.day == 1)
                    and (date_to is None or (date_to + timedelta(days=1)).day == 1))
    if whole_months:
        figures = dashboard_summary(organisation=organisation, date_from=date_from, date_to=date_to)
    else:
        figures = dashboard_from_incidents(organisation=organisation, date_from=date_from, date_to=date_to,
                                           department=department)
    # The open actions of the period's incidents, from the partial index of open actions by organisation and
    # report time (each action keeps its incident's): never a join with the trust's period of incidents,
    # except to pick a department's.
    actions = IncidentAction.objects.filter(organisation=organisation, done_at__isnull=True,
                                            **_period_lookups(date_from, date_to, "incident_"))
    if department:
        actions = actions.filter(incident__department__iexact=department)
    figures["actions"] = actions.aggregate(  # by the due date (never empty), from the index alone
        open=Count("due_date"), overdue=Count("due_date", filter=Q(due_date__lt=timezone.localdate())),
    )
    figures["candour"] = candour_in_time_per_month(organisation=organisation, date_from=date_from, date_to=date_to,
                                                   department=department)
    return figures


def monthly_summary_cells(*, organisation, first: date, last: date, measures) -> dict[tuple[date, str, str], int]:
    """{(month, measure, value): count} of the organisation's monthly summary for the months first..last
    and these measures: one query over a few thousand rows at most, whatever the number of incidents."""
    rows = IncidentMonthlySummary.objects.filter(
        organisation=organisation, month__gte=first, month__lte=last, measure__in=measures
    ).exclude(count=0)
    cells = Counter()
    for month, measure, value, count in rows.values_list("month", "measure", "value", "count"):
        cells[month, measure, value] += count  # a cell's shards added up
    return {key: count for key, count in cells.items() if count}


def dashboard_summary(*, organisation, date_from: date | None = None, date_to: date | None = None) -> dict:
    """The dashboard's incident figures for whole months from IncidentMonthlySummary: one query,
    a few hundred rows whatever the number of incidents."""
    cells = IncidentMonthlySummary.objects.filter(organisation=organisation)
    if date_from:
        cells = cells.filter(month__gte=date_from)
    if date_to:
        cells = cells.filter(month__lte=date_to)
    sums, per_month = Counter(), {}
    for month, measure, value, count in cells.values_list("month", "measure", "value", "count"):
        sums[measure, value] += count
        row = per_month.setdefault(month, {"total": 0, "moderate_or_worse": 0})
        if measure == "total":
            row["total"] += count
        elif measure == "physical_harm" and value in MODERATE_OR_WORSE:
            row["moderate_or_worse"] += count

    def values_of(measure):
        return [(value, n) for (m, value), n in sums.items() if m == measure and n]

    harm = dict(values_of("physical_harm"))
    reviewed = sums["reviewed", ""]
    by_total = lambda pair: (-pair[1], pair[0])  # noqa: E731
    return {
        "totals": {
            "total": sums["total", ""], "high_alert": sums["high_alert", ""], "never_events": sums["never_event", ""],
            "no_or_low_harm": harm.get("none", 0) + harm.get("low", 0),
            "open": sum(n for status, n in values_of("status") if status in OPEN_STATUSES),
        },
        "per_month": [
            {"month": timezone.make_aware(datetime.combine(month, time.min)), **row}
            for month, row in sorted(per_month.items()) if row["total"]
        ],
        "by_stage": [{"stage": v, "total": n} for v, n in sorted(values_of("stage"), key=by_total)],
        "by_harm": [{"physical_harm": v, "total": n} for v, n in harm.items()],
        "by_error": [{"error_type": v, "total": n} for v, n in sorted(values_of("error_type"), key=by_total)[:10]],
        "top_medicines": [
            {"name": v, "total": n, "high_alert": sums["medicine_high_alert", v]}
            for v, n in sorted(values_of("medicine"), key=by_total)[:10]
        ],
        "mean_days_to_review": round(sums["review_time", ""] / reviewed / 86_400_000_000, 1) if reviewed else None,
        "reviewed_count": reviewed,
        "departments": sorted(v for v, _ in values_of("department"))[:200],
    }


def dashboard_from_incidents(*, organisation, date_from: date | None = None, date_to: date | None = None,
                             department: str = "") -> dict:
    """The dashboard's incident figures for any period, each one aggregate query over the incidents."""
    period, incidents = _dashboard_period(organisation=organisation, date_from=date_from, date_to=date_to,
                                          department=department)

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
            moderate_or_worse=Count("pk", filter=Q(physical_harm__in=MODERATE_OR_WORSE)),
        )
        .order_by("month")
    )
    by_stage = list(incidents.values("stage").annotate(total=Count("pk")).order_by("-total"))
    by_harm = list(incidents.values("physical_harm").annotate(total=Count("pk")))
    by_error = list(
        # COUNT(*), not of the id: the (incident, error_type) unique index then answers alone.
        IncidentErrorType.objects.filter(incident__in=incidents)
        .values("error_type").annotate(total=Count("*")).order_by("-total")[:10]
    )
    top_medicines = list(
        IncidentMedicine.objects.filter(incident__in=incidents)
        .values("name").annotate(total=Count("*"), high_alert=Count("high_alert", filter=Q(high_alert=True)))
        .order_by("-total", "name")[:10]
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
        "mean_days_to_review": mean_days_to_review,
        "reviewed_count": to_review["reviewed"],
        # The period's departments, not ten years of them: the list only suggests what to type.
        "departments": list(period.values_list("department", flat=True).distinct().order_by("department")[:200]),
    }


def national_dashboard(*, months: int = 12) -> dict:
    """The national figures from the summary that `incident_summary_refresh` keeps, never from the
    incidents themselves: a few small queries however many incidents there are."""
    today = timezone.localdate()
    first = today.replace(day=1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    summary = NationalIncidentSummary.objects.all()
    period = summary.filter(month__gte=first)
    totals = period.aggregate(
        total=Sum("incidents"), high_alert=Sum("high_alert"), red_flag=Sum("red_flag"),
        moderate_or_worse=Sum("incidents", filter=Q(physical_harm__in=MODERATE_OR_WORSE)),
    )
    per_month = list(
        period.values("month").annotate(
            total=Sum("incidents"), moderate_or_worse=Sum("incidents", filter=Q(physical_harm__in=MODERATE_OR_WORSE))
        ).order_by("month")
    )
    by_region = dict(period.values_list("region").annotate(total=Sum("incidents")).order_by())
    by_harm = dict(period.values_list("physical_harm").annotate(total=Sum("incidents")).order_by())
    overall = summary.aggregate(total=Sum("incidents"), since=Min("month"), refreshed_at=Max("refreshed_at"))
    return {
        "months": months,
        # Whole calendar months: the ones before this one, and this month so far.
        "period_start": first,
        "period_end": today,
        "full_months": months - 1,
        "totals": {k: v or 0 for k, v in totals.items()},
        "per_month": per_month,
        "by_region": [(Region(k).label, by_region.get(k, 0)) for k in Region.values],
        "by_harm": [(PhysicalHarm(k).label, by_harm.get(k, 0)) for k in PhysicalHarm.values],
        "all_time": overall["total"] or 0,
        "since": overall["since"],
        "refreshed_at": overall["refreshed_at"],
    }
