"""Health IT systems, their hazard logs and clinical safety case reports (DCB0129/DCB0160)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .risk import RATING_CHOICES, Likelihood, Severity, rating_matches_matrix


class Standard(models.TextChoices):
    DCB0129 = "dcb0129", "DCB0129 (manufacturer)"
    DCB0160 = "dcb0160", "DCB0160 (deployer)"


class HealthITSystem(models.Model):
    """A health IT system that an organisation makes (DCB0129) or deploys (DCB0160)."""

    organisation = models.ForeignKey(
        "mso_registry.Organisation", on_delete=models.PROTECT, related_name="health_it_systems"
    )
    name = models.CharField(max_length=200)
    manufacturer = models.CharField(max_length=200)
    version = models.CharField(max_length=50)
    standard = models.CharField("standard that applies", max_length=10, choices=Standard.choices)
    intended_use = models.TextField()
    clinical_scope = models.TextField(help_text="The clinical settings, users and patient groups it is used for.")
    cso = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="responsible CSO", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The live hazard log's content hash (what hazard_log_snapshot would hash), kept by the services
    # that change the log, with what it depended on outside the log (the organisation's name and ODS
    # code, the owners' names), which other apps change: when those differ, the hash is worked out again.
    live_content_hash = models.CharField(max_length=64, blank=True, editable=False)
    live_hash_context = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = "health IT system"
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="one_system_name_per_organisation"),
        ]

    def __str__(self):
        return f"{self.name} {self.version}"


class HazardStatus(models.TextChoices):
    OPEN = "open", "Open"
    TRANSFERRED = "transferred", "Transferred"
    CLOSED = "closed", "Closed"


def hazard_reference(number: int) -> str:
    return f"H-{number:03d}"


class Hazard(models.Model):
    """One entry of a system's hazard log. Ratings are looked up from the matrix by the service,
    and the database refuses a rating that disagrees with the matrix."""

    system = models.ForeignKey(HealthITSystem, on_delete=models.PROTECT, related_name="hazards")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    description = models.TextField()
    causes = models.TextField()
    effect = models.TextField()
    clinical_impact = models.TextField("potential clinical impact")
    existing_controls = models.TextField(blank=True)
    initial_severity = models.PositiveSmallIntegerField(choices=Severity.choices)
    initial_likelihood = models.PositiveSmallIntegerField(choices=Likelihood.choices)
    initial_rating = models.PositiveSmallIntegerField(choices=RATING_CHOICES, editable=False)
    residual_severity = models.PositiveSmallIntegerField(choices=Severity.choices)
    residual_likelihood = models.PositiveSmallIntegerField(choices=Likelihood.choices)
    residual_rating = models.PositiveSmallIntegerField(choices=RATING_CHOICES, editable=False)
    residual_justification = models.TextField(
        "justification for accepting the residual risk",
        blank=True,
        help_text="Required when the residual rating is 3: why further reduction is impractical.",
    )
    status = models.CharField(max_length=12, choices=HazardStatus.choices, default=HazardStatus.OPEN)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actions = models.TextField("outstanding actions", blank=True)
    review_date = models.DateField(null=True, blank=True)
    source = models.CharField(
        max_length=300, blank=True, help_text="Where an imported hazard came from: the manufacturer's log and reference."
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["system", "number"]
        constraints = [
            models.UniqueConstraint(fields=["system", "number"], name="one_hazard_number_per_system"),
            models.CheckConstraint(
                condition=rating_matches_matrix("initial_severity", "initial_likelihood", "initial_rating"),
                name="hazard_initial_rating_from_matrix",
            ),
            models.CheckConstraint(
                condition=rating_matches_matrix("residual_severity", "residual_likelihood", "residual_rating"),
                name="hazard_residual_rating_from_matrix",
            ),
        ]

    def __str__(self):
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return hazard_reference(self.number)


class ControlType(models.TextChoices):
    DESIGN = "design", "Design"
    TEST = "test", "Test"
    TRAINING = "training", "Training"
    BUSINESS_PROCESS = "business_process", "Business process change"


class HazardControl(models.Model):
    """An additional control that reduces a hazard's risk, and how it was verified."""

    hazard = models.ForeignKey(Hazard, on_delete=models.PROTECT, related_name="controls")
    control_type = models.CharField("type of control", max_length=20, choices=ControlType.choices)
    description = models.TextField()
    verification = models.TextField(
        "how it was verified", blank=True, help_text="The test, audit or sign-off that shows the control works."
    )
    verified_on = models.DateField(null=True, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["hazard", "pk"]

    def __str__(self):
        return f"{self.get_control_type_display()}: {self.description[:60]}"

    @property
    def is_verified(self) -> bool:
        return bool(self.verification and self.verified_on)


class HazardScore(models.Model):
    """One entry of a hazard's scoring history: the scores as they stood after a change, and who made it."""

    hazard = models.ForeignKey(Hazard, on_delete=models.PROTECT, related_name="scores")
    initial_severity = models.PositiveSmallIntegerField(choices=Severity.choices)
    initial_likelihood = models.PositiveSmallIntegerField(choices=Likelihood.choices)
    initial_rating = models.PositiveSmallIntegerField()
    residual_severity = models.PositiveSmallIntegerField(choices=Severity.choices)
    residual_likelihood = models.PositiveSmallIntegerField(choices=Likelihood.choices)
    residual_rating = models.PositiveSmallIntegerField()
    residual_justification = models.TextField(blank=True)
    scored_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    scored_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["hazard", "-scored_at", "-pk"]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError("Scoring history is append-only.")
        super().save(*args, **kwargs)


class HazardLogVersion(models.Model):
    """An issued hazard log: a frozen snapshot of every hazard, its content hash, and the CSO's signature.

    Append-only: once issued, nothing in it changes."""

    system = models.ForeignKey(HealthITSystem, on_delete=models.PROTECT, related_name="hazard_log_versions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    content_hash = models.CharField(max_length=64)
    note = models.TextField("what changed in this version", blank=True)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signer_name = models.CharField(max_length=200)
    signer_registration = models.CharField(max_length=100)
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["system", "-number"]
        constraints = [models.UniqueConstraint(fields=["system", "number"], name="one_hazard_log_version_number")]

    def __str__(self):
        return f"{self.system} hazard log version {self.number}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError("An issued hazard log version cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("An issued hazard log version cannot be deleted.")


class HazardLogImport(models.Model):
    """A manufacturer's issued hazard log taken into a deployer's log, once: the database refuses the
    same file (by its content hash) twice for one system, which would duplicate every hazard."""

    system = models.ForeignKey(HealthITSystem, on_delete=models.PROTECT, related_name="hazard_log_imports")
    content_hash = models.CharField(max_length=64)
    origin = models.CharField(max_length=300, help_text="The manufacturer, system, version and hazard log version.")
    first_number = models.PositiveIntegerField(help_text="The local number of the first hazard it added.")
    hazard_count = models.PositiveIntegerField()
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["system", "-imported_at"]
        constraints = [
            models.UniqueConstraint(fields=["system", "content_hash"], name="one_import_of_a_hazard_log_per_system"),
        ]

    def __str__(self):
        return f"{self.origin} into {self.system}"


class SafetyCaseStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Awaiting governance approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Returned to the CSO"


class SafetyCaseReport(models.Model):
    """A clinical safety case report (CSCR) for one release or deployment of a system."""

    # Transitions as data: a rejected case goes back to the CSO, who edits and resubmits it.
    ALLOWED = {
        SafetyCaseStatus.DRAFT: {SafetyCaseStatus.SUBMITTED},
        SafetyCaseStatus.SUBMITTED: {SafetyCaseStatus.APPROVED, SafetyCaseStatus.REJECTED},
        SafetyCaseStatus.REJECTED: {SafetyCaseStatus.SUBMITTED},
        SafetyCaseStatus.APPROVED: set(),
    }
    EDITABLE = {SafetyCaseStatus.DRAFT, SafetyCaseStatus.REJECTED}

    system = models.ForeignKey(HealthITSystem, on_delete=models.PROTECT, related_name="safety_cases")
    release = models.CharField("release or deployment", max_length=200)
    scope = models.TextField()
    intended_use = models.TextField()
    hazard_log_version = models.ForeignKey(HazardLogVersion, on_delete=models.PROTECT, related_name="safety_cases")
    outstanding_actions = models.TextField(blank=True)
    conclusion = models.TextField()
    status = models.CharField(max_length=12, choices=SafetyCaseStatus.choices, default=SafetyCaseStatus.DRAFT)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # Frozen at submission: the argument, the CSO's signature and the hash of the whole report.
    safety_argument = models.JSONField(default=list, blank=True)
    signer_name = models.CharField(max_length=200, blank=True)
    signer_registration = models.CharField(max_length=100, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comments = models.TextField(blank=True)
    # An approved case stays approved and unchanged; a later hazard change marks it out of date.
    out_of_date_at = models.DateTimeField(null=True, blank=True)
    out_of_date_reason = models.TextField(blank=True)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="supersedes"
    )

    class Meta:
        ordering = ["system", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=SafetyCaseStatus.APPROVED) | (Q(decided_by__isnull=False) & ~Q(content_hash="")),
                name="approved_safety_case_is_decided_and_hashed",
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("author")),
                name="safety_case_not_decided_by_its_author",
            ),
        ]
        indexes = [models.Index(fields=["system", "status"], name="safety_case_system_status")]

    def __str__(self):
        return f"Clinical safety case report: {self.system.name}, {self.release}"

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    @property
    def is_current(self) -> bool:
        return self.status == SafetyCaseStatus.APPROVED and not self.out_of_date_at and not self.superseded_by_id
