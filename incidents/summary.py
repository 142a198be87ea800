"""The trust dashboard's monthly summary (IncidentMonthlySummary): what each incident adds to it,
the change a service applies in its own transaction, and a rebuild from the incidents themselves
(for data loaded in bulk, and the migration that first fills it).

Each incident adds 1 to a cell per measure: total, high_alert, never_event, stage, physical_harm,
status, department, reviewed (and its time to review, in microseconds, to review_time); each of its
medicines adds 1 to medicine (and medicine_high_alert) and each error type 1 to error_type."""

from collections import Counter
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

MICROSECOND = timedelta(microseconds=1)
# What an incident's own fields add; the same list drives the rebuild.
FIELD_MEASURES = ("stage", "physical_harm", "status", "department")
# Rows a cell is spread over (IncidentMonthlySummary.shard); readers add them up.
SUMMARY_SHARDS = 4


def month_of(moment) -> date:
    return timezone.localtime(moment).date().replace(day=1)


def incident_cells(incident) -> Counter:
    """What the incident's own fields (not its medicines and error types) add to its month."""
    cells = Counter({("total", ""): 1})
    if incident.high_alert:
        cells["high_alert", ""] += 1
    if incident.never_event:
        cells["never_event", ""] += 1
    for field in FIELD_MEASURES:
        cells[field, getattr(incident, field)] += 1
    if incident.review_started_at is not None:
        cells["reviewed", ""] += 1
        cells["review_time", ""] += (incident.review_started_at - incident.submitted_at) // MICROSECOND
    return cells


def report_cells(incident, *, medicines, error_types) -> Counter:
    cells = incident_cells(incident)
    for medicine in medicines:
        cells["medicine", medicine.name] += 1
        if medicine.high_alert:
            cells["medicine_high_alert", medicine.name] += 1
    for error_type in error_types:
        cells["error_type", error_type] += 1
    return cells


def summary_change(*, incident, before: Counter, after: Counter) -> None:
    """Add after - before to the incident's month, in the caller's transaction, in the shard its id picks.
    One INSERT ... ON CONFLICT with the cells in a fixed order, so two writers lock the same rows in the
    same order; two reports of one trust and month share rows only when their ids share a shard."""
    delta = Counter(after)
    delta.subtract(before)
    cells = sorted((key, n) for key, n in delta.items() if n)
    if not cells:
        return
    month, shard = month_of(incident.submitted_at), incident.pk % SUMMARY_SHARDS
    table = "incidents_incidentmonthlysummary"
    rows = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(cells))
    params = []
    for (measure, value), n in cells:
        params += [incident.organisation_id, month, measure, value, n, shard]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (organisation_id, month, measure, value, count, shard) VALUES {rows} "
            f"ON CONFLICT (organisation_id, month, measure, value, shard) "
            f"DO UPDATE SET count = {table}.count + EXCLUDED.count",
            params,
        )


def summary_rebuild(*, organisation_ids=None, models=None) -> int:
    """Replace the summary (of these organisations, or all) with a fresh aggregate of their incidents,
    in one transaction, 50 organisations' aggregate at a time so that memory stays bounded (the bench's
    2,000,000 incidents make 2.6 million cells). For data loaded in bulk and the migration, not while
    the services write: a report committed during the rebuild may be counted twice or not at all.
    `models` is (incident, medicine, error type, summary) for a migration's historical models.
    Returns the number of cells."""
    if models is None:  # a migration passes its historical models, and imports this module without ours
        from .models import IncidentErrorType, IncidentMedicine, IncidentMonthlySummary, MedicationIncident

        models = (MedicationIncident, IncidentMedicine, IncidentErrorType, IncidentMonthlySummary)
    incident_model, summary_model = models[0], models[3]
    with transaction.atomic():
        old = summary_model.objects.all()
        if organisation_ids is not None:
            old = old.filter(organisation_id__in=organisation_ids)
        old.delete()
        ids = sorted(set(incident_model.objects.filter(
            **({} if organisation_ids is None else {"organisation_id__in": organisation_ids})
        ).order_by().values_list("organisation_id", flat=True).distinct()))
        made = 0
        for start in range(0, len(ids), 50):
            cells = summary_aggregate(organisation_ids=ids[start:start + 50], models=models[:3])
            summary_model.objects.bulk_create(
                (summary_model(organisation_id=o, month=m, measure=measure, value=value, count=n)
                 for (o, m, measure, value), n in cells.items()),
                batch_size=5000,
            )
            made += len(cells)
    return made


def summary_aggregate(*, organisation_ids=None, models=None) -> Counter:
    """{(organisation id, month, measure, value): count} computed from the incidents themselves."""
    if models is None:  # a migration passes its historical models, and imports this module without ours
        from .models import IncidentErrorType, IncidentMedicine, MedicationIncident

        models = (MedicationIncident, IncidentMedicine, IncidentErrorType)
    incident_model, medicine_model, error_model = models
    incidents = incident_model.objects.all()
    medicines, errors = medicine_model.objects.all(), error_model.objects.all()
    if organisation_ids is not None:
        incidents = incidents.filter(organisation_id__in=organisation_ids)
        medicines = medicines.filter(incident__organisation_id__in=organisation_ids)
        errors = errors.filter(incident__organisation_id__in=organisation_ids)
    cells = Counter()

    def month(value) -> date:
        return (timezone.localtime(value) if timezone.is_aware(value) else value).date()

    by_month = incidents.annotate(month=TruncMonth("submitted_at")).order_by()
    review = ExpressionWrapper(F("review_started_at") - F("submitted_at"), output_field=DurationField())
    for row in by_month.values("organisation_id", "month").annotate(
        total=Count("pk"), high_alert=Count("pk", filter=Q(high_alert=True)),
        never_event=Count("pk", filter=~Q(never_event="")),
        reviewed=Count("pk", filter=Q(review_started_at__isnull=False)), review_time=Sum(review),
    ):
        for measure in ("total", "high_alert", "never_event", "reviewed"):
            cells[row["organisation_id"], month(row["month"]), measure, ""] += row[measure]
        if row["review_time"] is not None:
            cells[row["organisation_id"], month(row["month"]), "review_time", ""] += row["review_time"] // MICROSECOND
    for field in FIELD_MEASURES:
        for row in by_month.values("organisation_id", "month", field).annotate(n=Count("pk")):
            cells[row["organisation_id"], month(row["month"]), field, row[field]] += row["n"]
    medicine_rows = medicines.annotate(month=TruncMonth("incident__submitted_at")).order_by().values(
        "incident__organisation_id", "month", "name").annotate(n=Count("*"), high=Count("pk", filter=Q(high_alert=True)))
    for row in medicine_rows:
        key = (row["incident__organisation_id"], month(row["month"]))
        cells[(*key, "medicine", row["name"])] += row["n"]
        cells[(*key, "medicine_high_alert", row["name"])] += row["high"]
    error_rows = errors.annotate(month=TruncMonth("incident__submitted_at")).order_by().values(
        "incident__organisation_id", "month", "error_type").annotate(n=Count("*"))
    for row in error_rows:
        cells[row["incident__organisation_id"], month(row["month"]), "error_type", row["error_type"]] += row["n"]
    return +cells  # without the zeros
