"""The monthly medication safety report an MSO gives the board director: drafted on the first working
day of the month, issued (frozen, with a content hash) by the MSO, acknowledged by the director."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class BoardReportStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ISSUED = "issued", "Issued to the board director"
    ACKNOWLEDGED = "acknowledged", "Acknowledged by the board director"


class BoardReport(models.Model):
    """One organisation's report for one calendar month. While a draft its figures are read live;
    on issue they are frozen into `content` with the narrative, and `content_hash` signs both."""

    # Transitions as data: issued once, acknowledged once; an issued report never changes.
    ALLOWED = {
        BoardReportStatus.DRAFT: {BoardReportStatus.ISSUED},
        BoardReportStatus.ISSUED: {BoardReportStatus.ACKNOWLEDGED},
        BoardReportStatus.ACKNOWLEDGED: set(),
    }

    organisation = models.ForeignKey("mso_registry.Organisation", on_delete=models.PROTECT, related_name="board_reports")
    month = models.DateField(help_text="First day of the month the report covers.")
    status = models.CharField(max_length=12, choices=BoardReportStatus.choices, default=BoardReportStatus.DRAFT)
    narrative = models.TextField("the MSO's narrative", blank=True)
    prepared_at = models.DateTimeField(default=timezone.now)
    reminded_at = models.DateTimeField(null=True, blank=True)
    # Frozen at issue.
    content = models.JSONField(null=True, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledgement = models.TextField("director's comment", blank=True)

    class Meta:
        ordering = ["-month", "organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "month"], name="one_board_report_per_organisation_month"),
            models.CheckConstraint(
                condition=Q(status=BoardReportStatus.DRAFT) | (Q(issued_at__isnull=False) & ~Q(content_hash="") & Q(content__isnull=False)),
                name="issued_board_report_is_frozen_and_hashed",
            ),
            models.CheckConstraint(
                condition=~Q(status=BoardReportStatus.ACKNOWLEDGED) | Q(acknowledged_by__isnull=False),
                name="acknowledged_board_report_names_its_director",
            ),
        ]

    def __str__(self):
        return f"Medication safety report {self.month:%B %Y}, {self.organisation.name}"

    @property
    def is_draft(self) -> bool:
        return self.status == BoardReportStatus.DRAFT
