"""Reads for the monthly medication safety report: which reports a person may see, and the report's
content for an organisation and a month, gathered from incidents, clinical safety and the registry.

The content is plain JSON (dates as ISO text) so that the same dict is shown live on a draft, frozen
into an issued report, hashed, and drawn into the PDF. A fixed number of aggregate queries builds it,
however many incidents the organisation has."""

import hashlib
import json
from collections import Counter
from datetime import date, datetime, time, timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from clinical_safety.models import Hazard, HazardStatus, HealthITSystem, SafetyCaseReport, SafetyCaseStatus
from incidents.models import (
    OPEN_STATUSES,
    ErrorType,
    Escalation,
    IncidentAction,
    MedicationIncident,
    NationalIncidentSummary,
    NeverEvent,
    Stage,
)
from incidents.selectors import monthly_summary_cells
from mso_registry.models import MSO_TEAM_ROLES, CommunicationRecipient, NationalCommunication, Region, Role
from mso_registry.selectors import current_roles_of

from .models import BoardReport

CONTENT_FORMAT = 1
# Two years of months on each chart: enough for limits (12+) and a year to read them against.
SERIES_MONTHS = 24
# "Change against the previous 12 months": this month against their monthly average.
COMPARISON_MONTHS = 12
TOP_ROWS = 5
# Incidents causing harm: every physical harm grade but none.
HARM_GRADES = ("low", "moderate", "severe", "fatal")


def month_start(day: date) -> date:
    return day.replace(day=1)


def months_before(month: date, count: int) -> date:
    """The first day of the month `count` months before `month`."""
    for _ in range(count):
        month = (month - timedelta(days=1)).replace(day=1)
    return month


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_list(first: date, last: date) -> list[date]:
    months, current = [], first
    while current <= last:
        months.append(current)
        current = next_month(current)
    return months


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


# --- who sees what ---------------------------------------------------------------------------------


def report_organisation_ids(user) -> set[int]:
    """The MSO team and the board director of an organisation read its reports."""
    return {
        a.organisation_id
        for a in current_roles_of(user)
        if a.organisation_id and (a.role in MSO_TEAM_ROLES or a.role == Role.BOARD_DIRECTOR)
    }


def board_reports_visible_to(user) -> QuerySet[BoardReport]:
    return BoardReport.objects.select_related("organisation", "issued_by", "acknowledged_by").filter(
        organisation_id__in=report_organisation_ids(user)
    )


def board_directors_of(organisation) -> list:
    return [
        a.user
        for a in organisation.role_assignments.current().filter(role=Role.BOARD_DIRECTOR).select_related("user")
    ]


# --- the report's content --------------------------------------------------------------------------


# The monthly summary's measures the report reads (incidents.summary says what each counts).
SUMMARY_MEASURES = ("total", "physical_harm", "high_alert", "stage", "error_type", "medicine", "medicine_high_alert")


def _series(cells: dict, months: list[date]) -> dict:
    return {
        "months": [m.isoformat() for m in months],
        "labels": [m.strftime("%b %Y") for m in months],
        "reports": [cells.get((m, "total", ""), 0) for m in months],
        "harm": [sum(cells.get((m, "physical_harm", grade), 0) for grade in HARM_GRADES) for m in months],
        "high_alert": [cells.get((m, "high_alert", ""), 0) for m in months],
    }


def _compared(rows, label) -> list[dict]:
    """The top rows of this month, each against its monthly average over the previous 12 months."""
    result = []
    for row in rows[:TOP_ROWS]:
        average = row["before"] / COMPARISON_MONTHS
        change = None if not average else round(100 * (row["now"] - average) / average)
        result.append({"label": label(row["value"]), "now": row["now"], "average": round(average, 1), "change": change})
    return result


def _top(cells: dict, measure: str, month: date, label) -> list[dict]:
    """The values of a measure most counted this month (most counted the year before breaks a tie)."""
    before_from = months_before(month, COMPARISON_MONTHS)
    now, before = Counter(), Counter()
    for (cell_month, cell_measure, value), count in cells.items():
        if cell_measure != measure:
            continue
        if cell_month == month:
            now[value] += count
        elif before_from <= cell_month < month:
            before[value] += count
    rows = sorted(({"value": v, "now": n, "before": before[v]} for v, n in now.items() if n > 0),
                  key=lambda row: (-row["now"], -row["before"], row["value"]))
    return _compared(rows, label)


def _label(choices):
    return lambda value: choices(value).label if value in choices.values else value


def _red_flags(organisation, month_from, month_to) -> list[dict]:
    incidents = (
        MedicationIncident.objects.filter(organisation=organisation, submitted_at__gte=month_from, submitted_at__lt=month_to)
        .filter(Q(red_flag=True) | ~Q(never_event=""))
        .only("pk", "reference", "red_flags", "never_event", "physical_harm", "status", "submitted_at")
        .order_by("submitted_at")
    )
    incidents = list(incidents[:100])
    latest = {}
    for escalation in Escalation.objects.filter(incident__in=[i.pk for i in incidents]).order_by("raised_at"):
        latest[escalation.incident_id] = escalation
    rows = []
    for incident in incidents:
        escalation = latest.get(incident.pk)
        if escalation is None:
            state = "Not escalated"
        elif escalation.acknowledged_at:
            state = f"Acknowledged by the board director on {timezone.localtime(escalation.acknowledged_at):%-d %b %Y}"
        elif escalation.is_overdue:
            state = f"Waiting for the board director, overdue since {escalation.acknowledge_by:%-d %b %Y}"
        else:
            state = f"Waiting for the board director (by {escalation.acknowledge_by:%-d %b %Y})"
        rows.append({
            "reference": incident.reference,
            "reported": f"{timezone.localtime(incident.submitted_at):%-d %b %Y}",
            "never_event": NeverEvent(incident.never_event).label if incident.never_event else "",
            "reasons": list(incident.red_flags),
            "open": incident.status in OPEN_STATUSES,
            "escalation": state,
        })
    return rows


def _clinical_safety(organisation) -> dict:
    systems = HealthITSystem.objects.filter(organisation=organisation)
    hazards = (
        Hazard.objects.filter(system__organisation=organisation)
        .exclude(status=HazardStatus.CLOSED)
        .filter(Q(residual_rating__gte=4) | Q(residual_rating=3, residual_justification=""))
        .select_related("system")
        .order_by("-residual_rating", "system__name", "number")
    )
    out_of_date = (
        SafetyCaseReport.objects.filter(system__organisation=organisation, status=SafetyCaseStatus.APPROVED,
                                        out_of_date_at__isnull=False, superseded_by__isnull=True)
        .select_related("system")
        .order_by("system__name", "release")
    )
    return {
        "systems": systems.count(),
        "hazards": [
            {"system": h.system.name, "reference": h.reference, "title": h.title, "rating": h.residual_rating,
             "why": "residual risk 3 without a recorded justification" if h.residual_rating == 3 else f"residual risk {h.residual_rating}"}
            for h in hazards[:50]
        ],
        "out_of_date_cases": [
            {"system": c.system.name, "release": c.release, "reason": c.out_of_date_reason,
             "since": f"{timezone.localtime(c.out_of_date_at):%-d %b %Y}"}
            for c in out_of_date[:50]
        ],
    }


def _communications(organisation, today: date) -> list[dict]:
    copies = (
        CommunicationRecipient.objects.filter(organisation=organisation)
        .exclude(state=CommunicationRecipient.State.COMPLETED)
        .filter(communication__kind=NationalCommunication.Kind.ACTION_REQUIRED)
        .select_related("communication")
        .order_by("communication__action_required_by")
    )
    return [
        {"title": c.communication.title, "required_by": f"{c.communication.action_required_by:%-d %b %Y}",
         "state": c.get_state_display(), "overdue": c.communication.action_required_by < today}
        for c in copies[:50]
    ]


def board_report_content(organisation, month: date, *, today: date | None = None) -> dict:
    """Everything the report for `month` shows, as JSON-ready data."""
    today = today or timezone.localdate()
    month = month_start(month)
    month_from, month_to = _aware(month), _aware(next_month(month))
    first = months_before(month, SERIES_MONTHS - 1)
    # Counts per month come from the monthly summary the incident services keep exact in their own
    # transactions: a big trust's two years of incidents are never aggregated here.
    cells = monthly_summary_cells(organisation=organisation, first=first, last=month, measures=SUMMARY_MEASURES)
    # Counted by the due date (never empty), which the partial index of open actions holds: answered from
    # the index alone, where counting ids read each action's row.
    actions = IncidentAction.objects.filter(organisation=organisation, done_at__isnull=True).aggregate(
        open=Count("due_date"), overdue=Count("due_date", filter=Q(due_date__lt=today))
    )
    return {
        "format": CONTENT_FORMAT,
        "organisation": {"name": organisation.name, "ods_code": organisation.ods_code},
        "month": month.isoformat(),
        "as_of": f"{today:%-d %b %Y}",
        "series": _series(cells, month_list(first, month)),
        "red_flags": _red_flags(organisation, month_from, month_to),
        "top_stages": _top(cells, "stage", month, _label(Stage)),
        "top_errors": _top(cells, "error_type", month, _label(ErrorType)),
        "top_medicines": _top(cells, "medicine", month, str),
        "high_alert_medicines": _top(cells, "medicine_high_alert", month, str),
        "actions": actions,
        "communications": _communications(organisation, today),
        "clinical_safety": _clinical_safety(organisation),
    }


def content_hash(content: dict, narrative: str) -> str:
    """SHA-256 of the canonical JSON of what was issued: the figures and the MSO's words."""
    canonical = json.dumps(
        {"content": content, "narrative": narrative}, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder,
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def report_content(report: BoardReport) -> dict:
    """What a report shows: frozen once issued, read live while a draft."""
    return report.content if report.content is not None else board_report_content(report.organisation, report.month)


# --- the national view -----------------------------------------------------------------------------


def national_series(*, month: date | None = None) -> dict:
    """Reports and incidents causing harm per month for England and per region, from the national
    summary (never from the incidents): the 24 months up to the last complete month."""
    month = month or months_before(month_start(timezone.localdate()), 1)
    first = months_before(month, SERIES_MONTHS - 1)
    months = month_list(first, month)
    rows = (
        NationalIncidentSummary.objects.filter(month__gte=first, month__lte=month)
        .values("month", "region")
        .annotate(total=Sum("incidents"), harm=Sum("incidents", filter=Q(physical_harm__in=HARM_GRADES)))
        .order_by()
    )
    cells = {(r["month"], r["region"]): r for r in rows}

    def series(regions) -> dict:
        return {
            "reports": [sum((cells.get((m, r)) or {}).get("total") or 0 for r in regions) for m in months],
            "harm": [sum((cells.get((m, r)) or {}).get("harm") or 0 for r in regions) for m in months],
        }

    return {
        "month": month,
        "labels": [m.strftime("%b %Y") for m in months],
        "england": series(Region.values),
        "regions": [{"name": Region(r).label, **series([r])} for r in Region.values],
        "refreshed_at": NationalIncidentSummary.objects.order_by("-refreshed_at").values_list("refreshed_at", flat=True).first(),
    }
