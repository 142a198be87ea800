"""The trust dashboard's monthly summary, kept live by the services (incidents/summary.py)."""

from django.db import models


class IncidentMonthlySummary(models.Model):
    """Per organisation and month of reporting (UK time): how many incidents have each value of each
    measure the trust dashboard shows (stage, graded harm, status, department...), and how many
    medicines and error types. Written by the report, status change and regrade services in their
    own transaction, so it is exact and live, and the dashboard reads a few hundred rows instead of
    aggregating a big trust's year of incidents."""

    organisation = models.ForeignKey("mso_registry.Organisation", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="First day of the month the incidents were reported in (UK time).")
    measure = models.CharField(max_length=24)
    value = models.CharField(max_length=120, blank=True)
    count = models.BigIntegerField(default=0, help_text="Incidents, or medicines and error types for those measures; "
                                                        "microseconds for review_time.")
    # A cell is kept in up to SUMMARY_SHARDS rows, each incident adding to the one its id picks, and read as
    # their sum: every report of a trust that month adds to the same cells ("total", its stage...), and one
    # row each made the reports wait for each other's commit (striped counters).
    shard = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name_plural = "incident monthly summaries"
        constraints = [
            models.UniqueConstraint(fields=["organisation", "month", "measure", "value", "shard"],
                                    name="one_monthly_summary_cell_shard"),
        ]

    def __str__(self):
        return f"{self.organisation_id} {self.month:%b %Y} {self.measure}={self.value}: {self.count}"
