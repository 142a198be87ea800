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


# --- PSIRF: the response plan and learning responses ----------------------------------------------
# The Patient Safety Incident Response Framework (NHS England, August 2022) and its "Guide to responding
# proportionately to patient safety incidents": each organisation's Patient Safety Incident Response
# Plan (PSIRP) says how it responds; a PSII where a national priority or the plan requires one,
# otherwise a proportionate learning response (england.nhs.uk/patient-safety/incident-response-framework/).


class ResponseType(models.TextChoices):
    PSII = "psii", "Patient Safety Incident Investigation (PSII)"
    AAR = "aar", "After Action Review (AAR)"
    SWARM = "swarm", "SWARM huddle"
    MDT = "mdt", "Multidisciplinary team (MDT) review"
    THEMATIC = "thematic", "Thematic review"


class ResponsePlanRule(models.Model):
    """One line of the organisation's response plan: incidents that match every condition set here are
    suggested this response when they are triaged. Rules are tried in order; the first match wins."""

    organisation = models.ForeignKey("mso_registry.Organisation", on_delete=models.PROTECT, related_name="response_plan_rules")
    name = models.CharField(max_length=160, help_text="As the plan says it, e.g. “Omitted time-critical medicines”.")
    response_type = models.CharField("suggested response", max_length=10, choices=ResponseType.choices)
    order = models.PositiveIntegerField(default=100, help_text="Lower numbers are tried first.")
    never_event = models.BooleanField("a Never Event", default=False)
    high_alert = models.BooleanField("a high-alert medicine", default=False)
    minimum_harm = models.CharField("physical harm at least", max_length=10, blank=True)
    error_type = models.CharField("what went wrong", max_length=30, blank=True)
    stage = models.CharField(max_length=20, blank=True)
    medicine_contains = models.CharField("medicine name contains", max_length=60, blank=True)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self):
        return f"{self.name} → {self.get_response_type_display()}"


class LearningResponse(models.Model):
    """A PSIRF learning response: one incident's PSII, AAR, SWARM or MDT review, or a thematic review
    across several. Its safety actions are the incidents' own actions, linked."""

    class Status(models.TextChoices):
        OPEN = "open", "In progress"
        COMPLETED = "completed", "Completed"

    organisation = models.ForeignKey("mso_registry.Organisation", on_delete=models.PROTECT, related_name="learning_responses")
    response_type = models.CharField(max_length=10, choices=ResponseType.choices)
    title = models.CharField(max_length=200)
    incidents = models.ManyToManyField("incidents.MedicationIncident", related_name="learning_responses")
    lead = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="led_learning_responses")
    participants = models.TextField(blank=True, help_text="Who takes part: names and roles.")
    commissioned_on = models.DateField()
    due_date = models.DateField()
    # What the plan suggested, and why another response was chosen (audited).
    suggested_type = models.CharField(max_length=10, choices=ResponseType.choices, blank=True)
    plan_rule = models.ForeignKey(ResponsePlanRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    choice_reason = models.TextField("why this response", blank=True)
    patient_family_engagement = models.TextField("how the patient and family were engaged", blank=True)
    staff_engagement = models.TextField("how staff were engaged", blank=True)
    findings = models.TextField(blank=True)
    safety_actions = models.ManyToManyField("incidents.IncidentAction", blank=True, related_name="learning_responses")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-commissioned_on", "-pk"]
        indexes = [models.Index(fields=["organisation", "status", "due_date"], name="learning_response_org_open")]

    def __str__(self):
        return f"{self.get_response_type_display()}: {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_date < timezone.localdate()
