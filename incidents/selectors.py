"""Reads of medication incidents, always scoped to the reader: another organisation's
incident is not found, rather than refused."""

import hmac
from collections import Counter
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
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from mso_registry.models import Role, RoleAssignment

from . import permissions
from .candour_selectors import LIVE_OPEN, candour_in_time_per_month, candour_overdue
from .codes import follow_up_code_hash
from .lfpse.selectors import lfpse_home_counts
from .models import (
    HARM_RANK,
    MODERATE_OR_WORSE,
    OPEN_STATUSES,
    CandourRecord,
    Escalation,
    IncidentAction,
    MedicationIncident,
    Status,
)


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
    harm_rank = Case(*(When(physical_harm=k, then=Value(v)) for k, v in HARM_RANK.items()), output_field=IntegerField())
    # A subquery per shown row, not a JOIN ... GROUP BY over every incident: with the grouping the
    # database had to aggregate the whole queue before it could take the first 25 by the index.
    open_actions = (
        IncidentAction.objects.filter(incident=OuterRef("pk"), done_at__isnull=True)
        .order_by().values("incident").annotate(n=Count("pk")).values("n")
    )
    return (
        MedicationIncident.objects.filter(organisation_id__in=organisation_ids)
        .select_related("organisation")
        .annotate(
            harm_rank=harm_rank,
            open_actions=Coalesce(Subquery(open_actions, output_field=IntegerField()), 0),
        )
        # Open escalations by a second query on the page's ids: as an EXISTS column, PostgreSQL
        # hashed every open escalation in the country before returning the first 25 rows.
        .prefetch_related(
            "medicines",
            Prefetch("escalations", queryset=Escalation.objects.filter(acknowledged_at__isnull=True),
                     to_attr="open_escalations"),
            # The duty of candour still to do, the same way: a second query on the page's ids.
            Prefetch("candour_records", queryset=CandourRecord.objects.filter(LIVE_OPEN), to_attr="open_candour"),
        )
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
        "my_actions": my_open_actions(user),
    }
    review_ids = permissions.review_organisation_ids(user)
    if review_ids:
        incidents = MedicationIncident.objects.filter(organisation_id__in=review_ids)
        directors = RoleAssignment.objects.current().filter(
            role=Role.BOARD_DIRECTOR, organisation_id=OuterRef("organisation_id")
        )
        open_escalations = Escalation.objects.filter(
            organisation_id__in=review_ids, acknowledged_at__isnull=True
        ).annotate(has_director=Exists(directors))
        section["reviews"] = {
            **incidents.aggregate(
                new=Count("pk", filter=Q(status=Status.SUBMITTED)),
                open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
                red_flags_open=Count("pk", filter=Q(status__in=OPEN_STATUSES, red_flag=True)),
            ),
            "overdue_actions": IncidentAction.objects.filter(
                incident__organisation_id__in=review_ids, done_at__isnull=True, due_date__lt=today
            ).count(),
            "overdue_candour": list(candour_overdue(review_ids, today=today)[:5]),
            "lfpse": lfpse_home_counts(review_ids),
            "overdue_escalations": list(
                open_escalations.filter(has_director=True, acknowledge_by__lt=today).select_related("incident")[:5]
            ),
            # With no board director named, nobody can acknowledge them: not "late", but waiting for one.
            "vacant_escalations": list(
                open_escalations.filter(has_director=False).select_related("incident", "organisation")[:5]
            ),
        }
    if permissions.director_organisation_ids(user):
        section["director_escalations"] = list(escalations_for_director(user).filter(acknowledged_at__isnull=True)[:10])
    return section


def dashboard_organisations(user):
    from mso_registry.models import Organisation

    return Organisation.objects.filter(pk__in=permissions.dashboard_organisation_ids(user)).order_by("name")


def dashboard_default_start() -> date:
    """The dashboard's period unless the reader picks one: the current month and the eleven before.
    Ten years of a big trust's incidents aggregated on every view would be slow and unreadable."""
    first = timezone.localdate().replace(day=1)
    for _ in range(11):
        first = (first - timedelta(days=1)).replace(day=1)
    return first


def _dashboard_period(*, organisation, date_from: date | None, date_to: date | None, department: str):
    period = MedicationIncident.objects.filter(organisation=organisation)
    if date_from:
        period = period.filter(submitted_at__gte=timezone.make_aware(datetime.combine(date_from, time.min)))
    if date_to:
        period = period.filter(
            submitted_at__lt=timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min))
        )
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
    _, incidents = _dashboard_period(organisation=organisation, date_from=date_from, date_to=date_to,
                                     department=department)
    # Open actions only, so that the partial index of open actions serves it.
    figures["actions"] = IncidentAction.objects.filter(incident__in=incidents, done_at__isnull=True).aggregate(
        open=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=timezone.localdate())),
    )
    figures["candour"] = candour_in_time_per_month(organisation=organisation, date_from=date_from, date_to=date_to,
                                                   department=department)
    return figures


def dashboard_summary(*, organisation, date_from: date | None = None, date_to: date | None = None) -> dict:
    """The dashboard's incident figures for whole months from IncidentMonthlySummary: one query,
    a few hundred rows whatever the number of incidents."""
    from .models import IncidentMonthlySummary

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
    from django.db.models.functions import TruncMonth

    from .models import IncidentErrorType, IncidentMedicine

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


# --- learning bulletins ---------------------------------------------------------------------------


def bulletins_visible_to(user):
    """Published bulletins of the organisations the user works for, and drafts of those whose MSO
    team they are on. Another organisation's bulletin is not found."""
    from .models import LearningBulletin

    if not user.is_authenticated:
        return LearningBulletin.objects.none()
    return LearningBulletin.objects.select_related("organisation", "published_by").filter(
        Q(organisation_id__in=permissions.bulletin_reader_organisation_ids(user), status=LearningBulletin.Status.PUBLISHED)
        | Q(organisation_id__in=permissions.review_organisation_ids(user))
    )


def bulletins_for_list(user):
    """The list page: each bulletin with whether the user has read it and, for the MSO team's own
    organisations, how many have read it; three columns of subqueries, not a query per row."""
    from .models import BulletinRead

    return bulletins_visible_to(user).annotate(
        read_by_me=Exists(BulletinRead.objects.filter(bulletin=OuterRef("pk"), user=user)),
        read_count=Count("reads", distinct=True),
    ).order_by(F("published_at").desc(nulls_first=True), "-created_at")


def bulletin_audience(organisation_id: int):
    """The people a bulletin is published to: everyone with a current role in the organisation."""
    holders = RoleAssignment.objects.current().filter(organisation_id=organisation_id).values("user_id")
    return get_user_model().objects.filter(pk__in=holders, is_active=True).order_by("pk")


def bulletin_read_figures(bulletin) -> dict:
    """How many of the organisation's people have read it, for the MSO team."""
    audience = bulletin_audience(bulletin.organisation_id)
    return {"read": bulletin.reads.filter(user__in=audience).count(), "audience": audience.count(),
            "read_by_anyone": bulletin.reads.count()}


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


def bulletin_incident_summaries(bulletin) -> list[dict]:
    """The bulletin's incidents as staff may see them (incident_summary)."""
    incidents = bulletin.incidents.prefetch_related("medicines", "error_type_rows").order_by("occurred_at")
    return [incident_summary(incident) for incident in incidents]


# --- actions, from their owner's side -------------------------------------------------------------


def actions_visible_to(user) -> QuerySet[IncidentAction]:
    """An action's owner sees it, whatever their role; the MSO team sees its organisation's.
    Anyone else's is not found."""
    if not user.is_authenticated:
        return IncidentAction.objects.none()
    return IncidentAction.objects.select_related("incident__organisation", "owner", "done_by", "created_by").filter(
        Q(owner=user) | Q(incident__organisation_id__in=permissions.review_organisation_ids(user))
    )


def action_for_page(user, pk: int):
    """The action with its incident's medicines and error types, for incident_summary."""
    return actions_visible_to(user).filter(pk=pk).prefetch_related("incident__medicines", "incident__error_type_rows")


def my_open_actions(user, *, limit: int = 10) -> dict:
    """The user's open actions for the home page, soonest due first, and how many there are."""
    mine = IncidentAction.objects.filter(owner=user, done_at__isnull=True)
    if not mine.exists():
        return {"actions": [], "count": 0}
    actions = list(mine.select_related("incident__organisation").order_by("due_date", "pk")[:limit])
    return {"actions": actions, "count": len(actions) if len(actions) < limit else mine.count()}


BULLETIN_INCIDENT_CHOICES = 100


def closed_incidents_for_bulletin(organisation_ids):
    """The closed incidents a bulletin may be built from: the most recently closed 100, newest first.
    A big trust closes thousands a year; a page of thousands of checkboxes would help nobody."""
    newest_first = (F("closed_at").desc(nulls_last=True), "-pk")
    closed = MedicationIncident.objects.filter(organisation_id__in=organisation_ids, status=Status.CLOSED)
    return (
        MedicationIncident.objects.filter(pk__in=Subquery(closed.order_by(*newest_first).values("pk")[:BULLETIN_INCIDENT_CHOICES]))
        .select_related("organisation").order_by(*newest_first)
    )


def home_bulletins(user) -> dict | None:
    """Published bulletins on the home page of everyone who works for an organisation; unread first."""
    from .models import BulletinRead, LearningBulletin

    organisation_ids = permissions.bulletin_reader_organisation_ids(user)
    if not organisation_ids:
        return None
    bulletins = (
        LearningBulletin.objects.filter(organisation_id__in=organisation_ids, status=LearningBulletin.Status.PUBLISHED)
        .select_related("organisation")
        .annotate(read_by_me=Exists(BulletinRead.objects.filter(bulletin=OuterRef("pk"), user=user)))
        .order_by("read_by_me", "-published_at")
    )
    return {"bulletins": list(bulletins[:5]), "unread": bulletins.filter(read_by_me=False).count(),
            "can_write": bool(permissions.review_organisation_ids(user))}


def national_dashboard(*, months: int = 12) -> dict:
    """The national figures from the summary that `incident_summary_refresh` keeps, never from the
    incidents themselves: a few small queries however many incidents there are."""
    from django.db.models import Max, Min, Sum

    from mso_registry.models import Region

    from .models import NationalIncidentSummary, PhysicalHarm

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
