"""Medication incidents as LFPSE and the AHRQ Common Formats describe them, their review,
actions and escalation to the board director."""

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from mso_registry.models import MSO_TEAM_ROLES, Region, Role


class Stage(models.TextChoices):
    PRESCRIBING = "prescribing", "Prescribing"
    TRANSCRIBING = "transcribing", "Transcribing"
    PREPARING = "preparing", "Preparing"
    DISPENSING = "dispensing", "Dispensing"
    ADMINISTERING = "administering", "Administering"
    MONITORING = "monitoring", "Monitoring"
    SUPPLY_STORAGE = "supply_storage", "Supply or storage"
    ADVICE = "advice", "Advice"


class ErrorType(models.TextChoices):
    WRONG_PATIENT = "wrong_patient", "Wrong patient"
    WRONG_MEDICINE = "wrong_medicine", "Wrong medicine"
    OVERDOSE = "overdose", "Wrong dose: overdose"
    UNDERDOSE = "underdose", "Wrong dose: underdose"
    EXTRA_DOSE = "extra_dose", "Wrong dose: extra dose"
    OMITTED_DELAYED = "omitted_delayed", "Omitted or delayed dose"
    WRONG_ROUTE = "wrong_route", "Wrong route"
    WRONG_TIME = "wrong_time", "Wrong time"
    WRONG_RATE = "wrong_rate", "Wrong rate"
    WRONG_DURATION = "wrong_duration", "Wrong duration"
    WRONG_FORMULATION = "wrong_formulation", "Wrong formulation"
    WRONG_STRENGTH = "wrong_strength", "Wrong strength"
    WRONG_PREPARATION = "wrong_preparation", "Wrong preparation"
    EXPIRED = "expired", "Expired or deteriorated medicine"
    KNOWN_ALLERGY = "known_allergy", "Known allergy"
    CONTRAINDICATION = "contraindication", "Contraindication or interaction"
    MONITORING_ERROR = "monitoring_error", "Monitoring error"
    PATIENT_CARER = "patient_carer", "Patient or carer administration error"
    OTHER = "other", "Other"


class Route(models.TextChoices):
    ORAL = "oral", "Oral"
    IV = "iv", "Intravenous (IV)"
    IM = "im", "Intramuscular (IM)"
    SUBCUTANEOUS = "subcutaneous", "Subcutaneous"
    INTRATHECAL = "intrathecal", "Intrathecal"
    EPIDURAL = "epidural", "Epidural"
    INHALED = "inhaled", "Inhaled"
    TOPICAL = "topical", "Topical"
    RECTAL = "rectal", "Rectal"
    OTHER = "other", "Other or not known"


class PhysicalHarm(models.TextChoices):
    NONE = "none", "No physical harm"
    LOW = "low", "Low physical harm"
    MODERATE = "moderate", "Moderate physical harm"
    SEVERE = "severe", "Severe physical harm"
    FATAL = "fatal", "Fatal"


class PsychologicalHarm(models.TextChoices):
    NONE = "none", "No psychological harm"
    LOW = "low", "Low psychological harm"
    MODERATE = "moderate", "Moderate psychological harm"
    SEVERE = "severe", "Severe psychological harm"


# Harm grades in order of severity, so that "moderate or worse" is a comparison, not a list.
HARM_RANK = {"none": 0, "low": 1, "moderate": 2, "severe": 3, "fatal": 4}
# The physical harm grades that the dashboards count as "moderate or worse".
MODERATE_OR_WORSE = [grade for grade in PhysicalHarm if HARM_RANK[grade] >= HARM_RANK[PhysicalHarm.MODERATE]]


class NCCMERPCategory(models.TextChoices):
    A = "A", "A: circumstances that could cause error"
    B = "B", "B: error did not reach the patient"
    C = "C", "C: reached the patient, no harm"
    D = "D", "D: monitoring needed to confirm no harm"
    E = "E", "E: temporary harm, intervention needed"
    F = "F", "F: temporary harm, hospital stay"
    G = "G", "G: permanent harm"
    H = "H", "H: intervention to sustain life"
    I = "I", "I: death"  # noqa: E741 - the category's own letter


class NeverEvent(models.TextChoices):
    POTASSIUM = "potassium", "Mis-selection of strong potassium solution"
    WRONG_ROUTE = "wrong_route", "Medication by the wrong route (e.g. intrathecal vincristine)"
    INSULIN = "insulin_overdose", "Insulin overdose due to abbreviations or incorrect device"
    METHOTREXATE = "methotrexate_overdose", "Methotrexate overdose for non-cancer treatment"
    MIDAZOLAM = "midazolam", "Mis-selection of high-strength midazolam during conscious sedation"


class ContributingFactor(models.TextChoices):
    PERSON = "person", "Person (e.g. fatigue, training, experience)"
    TASK = "task", "Task (e.g. complexity, interruptions, procedures)"
    TOOLS = "tools", "Tools and technology (e.g. devices, IT systems, labels)"
    ORGANISATION = "organisation", "Organisation (e.g. staffing, policies, culture)"
    ENVIRONMENT = "environment", "Environment (e.g. noise, lighting, workload)"


class Status(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    IN_REVIEW = "in_review", "In review"
    AWAITING_ACTIONS = "awaiting_actions", "Awaiting actions"
    CLOSED = "closed", "Closed"
    REOPENED = "reopened", "Reopened"


@dataclass(frozen=True)
class Transition:
    """One allowed status move and the roles that may make it."""

    name: str
    label: str
    sources: frozenset
    target: str
    roles: frozenset


MSO_AND_DEPUTY = frozenset({Role.MSO, Role.DEPUTY_MSO})

# The review workflow as data: the safety team helps review; only the MSO or deputy closes
# and reopens, because closing signs off the organisation's learning.
TRANSITIONS = (
    Transition("start_review", "Start review", frozenset({Status.SUBMITTED, Status.REOPENED}), Status.IN_REVIEW,
               MSO_TEAM_ROLES),
    Transition("await_actions", "Mark as awaiting actions", frozenset({Status.IN_REVIEW}), Status.AWAITING_ACTIONS,
               MSO_TEAM_ROLES),
    Transition("resume_review", "Return to review", frozenset({Status.AWAITING_ACTIONS}), Status.IN_REVIEW,
               MSO_TEAM_ROLES),
    Transition("close", "Close the incident", frozenset({Status.IN_REVIEW, Status.AWAITING_ACTIONS}), Status.CLOSED,
               MSO_AND_DEPUTY),
    Transition("reopen", "Reopen", frozenset({Status.CLOSED}), Status.REOPENED, MSO_AND_DEPUTY),
)
TRANSITIONS_BY_NAME = {t.name: t for t in TRANSITIONS}
OPEN_STATUSES = (Status.SUBMITTED, Status.IN_REVIEW, Status.AWAITING_ACTIONS, Status.REOPENED)


class ReferenceCounter(models.Model):
    """SQLite: the last reference number issued in a year, locked while the next one is taken.
    PostgreSQL: where a year's sequence starts when it is made (incidents/references.py)."""

    year = models.PositiveIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)


class MedicationIncident(models.Model):
    """One reported medication incident. An anonymous report has no reporter; its reporter
    follows it with a private code, of which only a hash is kept."""

    reference = models.CharField(max_length=20, unique=True)
    organisation = models.ForeignKey("mso_registry.Organisation", on_delete=models.PROTECT, related_name="incidents")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="reported_incidents"
    )
    is_anonymous = models.BooleanField(default=False)
    follow_up_code_hash = models.CharField(max_length=64, blank=True)

    occurred_at = models.DateTimeField("when it happened")
    department = models.CharField("where it happened", max_length=120, help_text="Ward, department or location.")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    never_event = models.CharField(max_length=30, choices=NeverEvent.choices, blank=True)
    nhs_number = models.CharField("NHS number", max_length=10, blank=True)
    description = models.TextField("what happened")
    immediate_action = models.TextField("immediate action taken", blank=True)
    contributing_factors = models.JSONField(default=list, blank=True)
    wants_feedback = models.BooleanField(default=True)

    # What the reporter said, kept as they said it; the graded values below may change on review.
    reported_physical_harm = models.CharField(max_length=10, choices=PhysicalHarm.choices)
    reported_psychological_harm = models.CharField(max_length=10, choices=PsychologicalHarm.choices)
    physical_harm = models.CharField(max_length=10, choices=PhysicalHarm.choices)
    psychological_harm = models.CharField(max_length=10, choices=PsychologicalHarm.choices)
    harm_confirmed_at = models.DateTimeField(null=True, blank=True)
    harm_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ncc_merp_category = models.CharField("NCC MERP category", max_length=1, choices=NCCMERPCategory.choices, blank=True)
    high_alert = models.BooleanField("high-alert medicine involved", default=False)
    red_flags = models.JSONField("red-flag reasons", default=list, blank=True)
    red_flag = models.BooleanField(default=False, help_text="Kept with red_flags so that the queue can filter on it.")

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    # The MSO team member handling the review: whoever started it; an MSO handover passes it on.
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="incidents_reviewing"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    review_started_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    learning_summary = models.TextField(blank=True)
    feedback = models.TextField("feedback to the reporter", blank=True)
    feedback_given_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_anonymous=False) | Q(reporter__isnull=True),
                name="anonymous_incident_has_no_reporter",
            ),
        ]
        indexes = [
            # The review queue: an organisation's incidents, newest first, optionally by status. The
            # included columns let the trust dashboard aggregate a period from the index alone
            # (an index-only scan), not from one heap page per incident.
            models.Index(
                fields=["organisation", "-submitted_at"], name="incident_org_submitted_cover",
                include=["id", "physical_harm", "stage", "status", "high_alert", "never_event", "department",
                         "review_started_at"],
            ),
            # Filtered by status or harm: the queue's count of matches reads the index alone.
            models.Index(
                fields=["organisation", "status", "-submitted_at"], name="incident_org_status_cover",
                include=["id", "physical_harm", "stage", "high_alert", "red_flag"],
            ),
            models.Index(
                fields=["organisation", "physical_harm", "-submitted_at"], name="incident_org_harm_cover",
                include=["id", "status", "stage", "high_alert", "red_flag"],
            ),
            models.Index(fields=["reporter", "-submitted_at"], name="incident_reporter_submitted"),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def error_type_labels(self) -> list[str]:
        """What went wrong, in the order of the list; reads the prefetched rows."""
        chosen = {row.error_type for row in self.error_type_rows.all()}
        return [e.label for e in ErrorType if e in chosen]

    def contributing_factor_labels(self) -> list[str]:
        return [ContributingFactor(f).label for f in self.contributing_factors if f in ContributingFactor.values]

    def transitions_from_here(self) -> list[Transition]:
        return [t for t in TRANSITIONS if self.status in t.sources]


class IncidentMedicine(models.Model):
    incident = models.ForeignKey(MedicationIncident, on_delete=models.CASCADE, related_name="medicines")
    name = models.CharField("medicine", max_length=120)
    route = models.CharField(max_length=20, choices=Route.choices, blank=True)
    dose = models.CharField(max_length=60, blank=True)
    high_alert = models.BooleanField("high-alert medicine", default=False)

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["name"], name="incident_medicine_name"),
            # The dashboard's top medicines read a period's medicines from this index alone.
            models.Index(fields=["incident"], include=["name", "high_alert"], name="incident_medicine_cover"),
        ]

    def __str__(self):
        return self.name


class IncidentErrorType(models.Model):
    """One row per thing that went wrong, so that the dashboard counts them in the database."""

    incident = models.ForeignKey(MedicationIncident, on_delete=models.CASCADE, related_name="error_type_rows")
    error_type = models.CharField(max_length=30, choices=ErrorType.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "error_type"], name="one_row_per_error_type")]


class IncidentAction(models.Model):
    """An action agreed on review, with an owner and a due date."""

    incident = models.ForeignKey(MedicationIncident, on_delete=models.CASCADE, related_name="actions")
    # The incident's (it never changes): a trust's few open actions, found without its year of incidents.
    organisation = models.ForeignKey("mso_registry.Organisation", on_delete=models.CASCADE, related_name="+")
    # The incident's report time (it never changes either): a dashboard period's open actions are counted
    # from an index alone, without looking up each action's incident.
    incident_submitted_at = models.DateTimeField()
    description = models.TextField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="incident_actions")
    due_date = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    done_note = models.TextField("evidence", blank=True, help_text="What was done, and where the evidence is.")
    # An overdue action is chased once to its owner, then once to the MSO team: each recorded here.
    owner_chased_at = models.DateTimeField(null=True, blank=True)
    mso_chased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "pk"]
        indexes = [
            models.Index(fields=["done_at", "due_date"], name="incident_action_open_due"),
            # Open actions are few: the dashboard and the queue count them per incident from this.
            models.Index(fields=["incident"], include=["due_date"], condition=Q(done_at__isnull=True),
                         name="incident_action_open"),
            # A trust's open actions (board report), and those of a period's incidents (dashboard), index-only.
            models.Index(fields=["organisation", "incident_submitted_at"], include=["due_date"],
                         condition=Q(done_at__isnull=True), name="incident_action_open_period"),
        ]

    def __str__(self):
        return f"Action for {self.incident}: {self.description[:40]}"

    @property
    def is_overdue(self) -> bool:
        return self.done_at is None and self.due_date < timezone.localdate()


class Escalation(models.Model):
    """An incident brought to the board director: opened by a red flag at submission or by the
    MSO, closed when a director acknowledges it. At most one is open per incident."""

    class Reason(models.TextChoices):
        RED_FLAG = "red_flag", "Red flag at submission or on grading"
        MSO = "mso", "Escalated by the MSO team"

    incident = models.ForeignKey(MedicationIncident, on_delete=models.PROTECT, related_name="escalations")
    organisation = models.ForeignKey("mso_registry.Organisation", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=10, choices=Reason.choices)
    message = models.TextField()
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(default=timezone.now)
    acknowledge_by = models.DateField("acknowledge by")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledgement = models.TextField("director's comment", blank=True)
    chased_at = models.DateTimeField(null=True, blank=True)
    # The board director it went to; empty while the organisation names none (a vacancy), until
    # one is named and it becomes theirs.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name="board director",
    )
    assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident"],
                condition=Q(acknowledged_at__isnull=True),
                name="one_open_escalation_per_incident",
                violation_error_message="This incident is already escalated and waiting for the director.",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "acknowledge_by"], name="escalation_open_due",
                         condition=Q(acknowledged_at__isnull=True)),
        ]

    def __str__(self):
        return f"Escalation of {self.incident}"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None

    @property
    def is_overdue(self) -> bool:
        return self.acknowledged_at is None and self.acknowledge_by < timezone.localdate()


class NationalIncidentSummary(models.Model):
    """Incidents per month, NHS England region and graded physical harm over every organisation.
    Rebuilt by `incident_summary_refresh` (hourly on beat), so that the national dashboard reads a few
    thousand rows instead of aggregating millions of incidents on every request."""

    month = models.DateField(help_text="First day of the month the incidents were reported in (UK time).")
    region = models.CharField(max_length=30, choices=Region.choices)
    physical_harm = models.CharField(max_length=10, choices=PhysicalHarm.choices)
    incidents = models.PositiveIntegerField()
    high_alert = models.PositiveIntegerField()
    red_flag = models.PositiveIntegerField()
    refreshed_at = models.DateTimeField()

    class Meta:
        ordering = ["month", "region", "physical_harm"]
        verbose_name_plural = "national incident summaries"
        constraints = [
            models.UniqueConstraint(fields=["month", "region", "physical_harm"], name="one_summary_row_per_cell"),
        ]

    def __str__(self):
        return f"{self.month:%b %Y} {self.region} {self.physical_harm}: {self.incidents}"


# --- Local learning bulletins ---------------------------------------------------------------------


class LearningBulletin(models.Model):
    """What an organisation learned from its medication incidents, written by the MSO team and
    published to everyone who works there. Incidents appear without reporter or patient details."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    organisation = models.ForeignKey("mso_registry.Organisation", on_delete=models.PROTECT, related_name="bulletins")
    title = models.CharField(max_length=200)
    body = models.TextField("what we learned")
    incidents = models.ManyToManyField(MedicationIncident, blank=True, related_name="bulletins")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-created_at"]
        indexes = [models.Index(fields=["organisation", "status", "-published_at"], name="bulletin_org_published")]

    def __str__(self):
        return self.title


BULLETIN_TRANSITIONS = {
    LearningBulletin.Status.DRAFT: {LearningBulletin.Status.PUBLISHED},
    LearningBulletin.Status.PUBLISHED: set(),
}


class BulletinRead(models.Model):
    """A person opened a published bulletin: one row per person, however often they open it."""

    bulletin = models.ForeignKey(LearningBulletin, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bulletin_reads")
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bulletin", "user"], name="one_read_per_person_per_bulletin")]


# Duty of candour, PSIRF learning responses and the monthly summary live in their own modules;
# importing them here makes them models of this app.
from .response_models import CandourReason, CandourRecord, LearningResponse, ResponsePlanRule, ResponseType  # noqa: E402,F401,I001
from .summary_models import IncidentMonthlySummary  # noqa: E402,F401
