"""How the organisation responds to an incident beyond its review: the duty of candour owed to the
patient, and the PSIRF learning response (with the response plan's rules that suggest one).
Imported by models.py, so these are models of the incidents app."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class CandourReason(models.TextChoices):
    """Why the notification was not given: the cases CQC's guidance recognises, each to be recorded
    with the attempts made (CQC, "The duty of candour: guidance for providers")."""

    DECLINED = "declined", "The patient, or the person acting for them, declined to be told"
    NOT_CONTACTABLE = "not_contactable", "They could not be contacted after reasonable attempts"
    DIED_NO_REPRESENTATIVE = "died_no_representative", "The patient died and there is no one to act for them"


class CandourRecord(models.Model):
    """The duty of candour owed on one notifiable incident, from the grade that made it notifiable.
    A regrade below the threshold withdraws it with a reason; a later regrade up starts a new one, so at
    most one is live per incident (Regulation 20: notify, in person then in writing, keep a record)."""

    incident = models.ForeignKey("incidents.MedicationIncident", on_delete=models.PROTECT, related_name="candour_records")
    organisation = models.ForeignKey("mso_registry.Organisation", on_delete=models.PROTECT, related_name="+")
    relevant_person = models.CharField(
        "who must be told", max_length=120, default="the patient",
        help_text="The patient, or the person acting lawfully for them (Regulation 20(7)); no name is needed.",
    )
    graded_notifiable_at = models.DateTimeField()
    graded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField("notify by")

    told_in_person_on = models.DateField("told in person on", null=True, blank=True)
    told_by = models.CharField("told by", max_length=200, blank=True)
    apology_given = models.BooleanField(default=False)
    in_person_note = models.TextField("what was said", blank=True)

    letter_text = models.TextField("written notification", blank=True)
    letter_sent_on = models.DateField("written notification sent on", null=True, blank=True)

    findings_shared_on = models.DateField("findings shared on", null=True, blank=True)
    findings_note = models.TextField(blank=True)

    not_possible_reason = models.CharField(max_length=30, choices=CandourReason.choices, blank=True)
    not_possible_note = models.TextField("attempts made and why", blank=True)

    # The first notification done (told in person and in writing) or a recorded reason why not.
    completed_on = models.DateField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.TextField(blank=True)
    chased_mso_at = models.DateTimeField(null=True, blank=True)
    chased_director_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-graded_notifiable_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident"], condition=Q(withdrawn_at__isnull=True), name="one_live_candour_record_per_incident",
            ),
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True) | Q(not_possible_reason__gt="")
                | (Q(told_in_person_on__isnull=False) & Q(letter_sent_on__isnull=False)),
                name="candour_completed_only_when_done",
            ),
        ]
        indexes = [
            # Overdue candour on the home page, the queue filter and the chasers.
            models.Index(fields=["organisation", "due_date"], name="candour_open_due",
                         condition=Q(completed_on__isnull=True, withdrawn_at__isnull=True)),
        ]

    def __str__(self):
        return f"Duty of candour on {self.incident}"

    @property
    def is_live(self) -> bool:
        return self.withdrawn_at is None

    @property
    def is_overdue(self) -> bool:
        return self.is_live and self.completed_on is None and self.due_date < timezone.localdate()

    @property
    def completed_in_time(self) -> bool:
        return self.completed_on is not None and self.completed_on <= self.due_date

    @property
    def state(self) -> str:
        """In words, for the incident page and the queue."""
        if not self.is_live:
            return "No longer required"
        if self.not_possible_reason:
            return "Not carried out: " + self.get_not_possible_reason_display().lower()
        if self.findings_shared_on:
            return "Complete: findings shared"
        if self.completed_on:
            return "Told in person and in writing; findings to share"
        if self.told_in_person_on:
            return "Told in person; written notification to send"
        return "Overdue" if self.is_overdue else "To tell in person"
