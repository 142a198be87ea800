"""Reads of the duty of candour for the home page, the review queue and the dashboard."""

from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from .models import CandourRecord

LIVE_OPEN = Q(completed_on__isnull=True, withdrawn_at__isnull=True)


def candour_overdue(organisation_ids, *, today: date | None = None) -> QuerySet[CandourRecord]:
    """Live records not done by their due date, oldest due first (served by the candour_open_due index)."""
    today = today or timezone.localdate()
    return (CandourRecord.objects.filter(LIVE_OPEN, organisation_id__in=organisation_ids, due_date__lt=today)
            .select_related("incident").order_by("due_date", "pk"))


def incidents_with_candour(queryset, state: str):
    """The review queue's filter: incidents whose duty of candour is overdue, or still to do."""
    today = timezone.localdate()
    records = CandourRecord.objects.filter(LIVE_OPEN, incident=OuterRef("pk"))
    if state == "overdue":
        records = records.filter(due_date__lt=today)
    return queryset.filter(Exists(records))


def candour_in_time_per_month(*, organisation, date_from: date | None = None, date_to: date | None = None,
                              department: str = "") -> list[dict]:
    """Per month in which incidents were graded notifiable: how many, how many were told in person and
    in writing (or had a recorded reason why not) by their due date, late, overdue, not yet due; and the
    share done in time of those whose due date has come (one not yet due has not failed)."""
    today = timezone.localdate()
    records = CandourRecord.objects.filter(organisation=organisation, withdrawn_at__isnull=True)
    if date_from:
        records = records.filter(graded_notifiable_at__gte=timezone.make_aware(datetime.combine(date_from, time.min)))
    if date_to:
        records = records.filter(
            graded_notifiable_at__lt=timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min)))
    if department:
        records = records.filter(incident__department__iexact=department)
    rows = list(
        records.annotate(month=TruncMonth("graded_notifiable_at")).values("month").annotate(
            notifiable=Count("pk"),
            in_time=Count("pk", filter=Q(completed_on__lte=F("due_date"))),
            late=Count("pk", filter=Q(completed_on__gt=F("due_date"))),
            overdue=Count("pk", filter=Q(completed_on__isnull=True, due_date__lt=today)),
            not_yet_due=Count("pk", filter=Q(completed_on__isnull=True, due_date__gte=today)),
        ).order_by("month")
    )
    for row in rows:
        judged = row["notifiable"] - row["not_yet_due"]
        row["share_in_time"] = round(100 * row["in_time"] / judged) if judged else None
    return rows
