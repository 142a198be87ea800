"""The national summary the national dashboard reads."""

from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from ..models import MedicationIncident, NationalIncidentSummary


def incident_summary_refresh() -> int:
    """Rebuild the national summary (incidents per month, region and harm) from every incident.
    The aggregate runs first; the rows are then replaced in one transaction, so the national
    dashboard shows the old figures or the new, never half of each. Returns the number of cells."""
    now = timezone.now()
    cells = (
        MedicationIncident.objects.annotate(month=TruncMonth("submitted_at"))
        .values("month", "organisation__region", "physical_harm")
        .annotate(incidents=Count("pk"), high_alert=Count("pk", filter=Q(high_alert=True)),
                  red_flag=Count("pk", filter=Q(red_flag=True)))
        .order_by()
    )
    rows = [
        NationalIncidentSummary(
            month=timezone.localtime(c["month"]).date() if timezone.is_aware(c["month"]) else c["month"].date(),
            region=c["organisation__region"], physical_harm=c["physical_harm"], incidents=c["incidents"],
            high_alert=c["high_alert"], red_flag=c["red_flag"], refreshed_at=now,
        )
        for c in cells
    ]
    with transaction.atomic():
        NationalIncidentSummary.objects.all().delete()
        # An upsert, so that two refreshes that overlap still leave one row per cell.
        NationalIncidentSummary.objects.bulk_create(
            rows, batch_size=2000, update_conflicts=True, unique_fields=["month", "region", "physical_harm"],
            update_fields=["incidents", "high_alert", "red_flag", "refreshed_at"],
        )
    return len(rows)
