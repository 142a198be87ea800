from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .validators import normalise_registration_number, validate_ods_code, validate_registration_number


class OrganisationType(models.TextChoices):
    NHS_TRUST = "nhs_trust", "NHS trust"
    ICB = "icb", "Integrated care board (ICB)"
    GP_PRACTICE = "gp_practice", "GP practice"
    COMMUNITY_PHARMACY = "community_pharmacy", "Community pharmacy"
    INDEPENDENT_PROVIDER = "independent_provider", "Independent provider"


class Region(models.TextChoices):
    LONDON = "london", "London"
    SOUTH_WEST = "south_west", "South West"
    SOUTH_EAST = "south_east", "South East"
    MIDLANDS = "midlands", "Midlands"
    EAST_OF_ENGLAND = "east_of_england", "East of England"
    NORTH_WEST = "north_west", "North West"
    NORTH_EAST_YORKSHIRE = "north_east_yorkshire", "North East and Yorkshire"


class Role(models.TextChoices):
    STAFF = "staff", "Staff (reporter)"
    MSO = "mso", "Medication Safety Officer"
    DEPUTY_MSO = "deputy_mso", "Deputy MSO"
    SAFETY_TEAM = "safety_team", "Medication safety team member"
    BOARD_DIRECTOR = "board_director", "Board director for medication safety"
    CSO = "cso", "Clinical Safety Officer"
    GOVERNANCE = "governance", "Governance team member"
    COMMITTEE_CHAIR = "committee_chair", "Medication Safety Committee chair"
    LOCAL_ADMIN = "local_admin", "Local registry administrator"
    REGISTRY_ADMIN = "registry_admin", "National registry administrator"


# The roles that review incidents for their organisation.
MSO_TEAM_ROLES = frozenset({Role.MSO, Role.DEPUTY_MSO, Role.SAFETY_TEAM})
# The roles that keep their organisation's registry record.
RECORD_KEEPER_ROLES = frozenset({Role.MSO, Role.DEPUTY_MSO, Role.BOARD_DIRECTOR, Role.LOCAL_ADMIN})
# Roles held nationally, with no organisation.
NATIONAL_ROLES = frozenset({Role.REGISTRY_ADMIN})


class Organisation(models.Model):
    """An NHS trust, ICB, GP practice, community pharmacy or independent provider."""

    name = models.CharField(max_length=200)
    ods_code = models.CharField("ODS code", max_length=6, unique=True)
    organisation_type = models.CharField(max_length=30, choices=OrganisationType.choices)
    region = models.CharField("NHS England region", max_length=30, choices=Region.choices)
    icb = models.ForeignKey(
        "self",
        verbose_name="ICB",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="member_organisations",
        limit_choices_to={"organisation_type": OrganisationType.ICB},
    )
    generic_mso_email = models.EmailField(
        "generic MSO mailbox", blank=True, help_text="A shared mailbox, not a person's own address."
    )
    record_confirmed_on = models.DateField("record last confirmed", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The national MSO list as the registry administrator last accepted it (see ChangeOfDetailsRequest).
    listed_mso = models.CharField("MSO on the national list", max_length=300, blank=True)
    listed_mailbox = models.EmailField("mailbox on the national list", blank=True)
    listed_board_director = models.CharField("board director on the national list", max_length=300, blank=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["region", "organisation_type"], name="organisation_region_type")]

    def __str__(self):
        return f"{self.name} ({self.ods_code})"

    def clean(self):
        try:
            validate_ods_code(self.ods_code, self.organisation_type)
        except ValidationError as error:
            raise ValidationError({"ods_code": error}) from error


class RoleAssignmentQuerySet(models.QuerySet):
    def current(self):
        return self.filter(end_date__isnull=True, start_date__lte=timezone.localdate())


class RoleAssignment(models.Model):
    """A person holding a role in an organisation from a start date until an end date.

    The registry is a history: ending a role sets its end date, nothing is deleted."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="role_assignments")
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="role_assignments"
    )
    role = models.CharField(max_length=30, choices=Role.choices)
    start_date = models.DateField(default=timezone.localdate)
    end_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "role", "-start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(role="mso", end_date__isnull=True),
                name="one_current_mso_per_organisation",
                violation_error_message="This organisation already has a current MSO.",
            ),
            models.UniqueConstraint(
                fields=["user", "organisation", "role"],
                condition=Q(end_date__isnull=True),
                name="one_open_assignment_per_user_role",
                violation_error_message="This person already holds this role here.",
            ),
            models.CheckConstraint(
                condition=Q(role="registry_admin", organisation__isnull=True)
                | (~Q(role="registry_admin") & Q(organisation__isnull=False)),
                name="national_roles_have_no_organisation",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="role_ends_after_it_starts",
            ),
        ]
        indexes = [models.Index(fields=["user", "end_date"], name="role_assignment_user_open")]

    def __str__(self):
        where = self.organisation.name if self.organisation_id else "national"
        return f"{self.user} — {self.get_role_display()} ({where})"

    @property
    def is_current(self) -> bool:
        return self.end_date is None and self.start_date <= timezone.localdate()


class Profession(models.TextChoices):
    PHARMACIST = "pharmacist", "Pharmacist"
    PHARMACY_TECHNICIAN = "pharmacy_technician", "Pharmacy technician"
    NURSE = "nurse", "Nurse"
    MIDWIFE = "midwife", "Midwife"
    DOCTOR = "doctor", "Doctor"
    ALLIED_HEALTH = "allied_health", "Allied health professional"
    MEDICINES_CHAMPION = "medicines_champion", "Medicines champion"
    MANAGER = "manager", "Manager or administrator"
    OTHER = "other", "Other"


class RegistrationBody(models.TextChoices):
    NONE = "", "Not registered"
    GMC = "gmc", "General Medical Council (GMC)"
    NMC = "nmc", "Nursing and Midwifery Council (NMC)"
    GPHC = "gphc", "General Pharmaceutical Council (GPhC)"
    HCPC = "hcpc", "Health and Care Professions Council (HCPC)"


class ProfessionalDetails(models.Model):
    """A person's profession and registration, as the registry and the CSO register show them."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="professional_details")
    job_title = models.CharField(max_length=200, blank=True)
    profession = models.CharField(max_length=30, choices=Profession.choices, blank=True)
    registration_body = models.CharField(max_length=10, choices=RegistrationBody.choices, blank=True)
    registration_number = models.CharField(max_length=20, blank=True)
    work_phone = models.CharField(max_length=30, blank=True)
    # What the person types is a claim; the registry administrator or the governance team checks it
    # against the professional register. The claim they verified is kept, so any change re-opens it.
    registration_verified_claim = models.CharField(max_length=40, blank=True)
    registration_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    registration_verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "professional details"

    def __str__(self):
        return f"{self.user}: {self.get_profession_display() or 'profession not recorded'}"

    @property
    def is_registered(self) -> bool:
        return bool(self.registration_body and self.registration_number)

    @property
    def registration_claim(self) -> str:
        return f"{self.registration_body}:{self.registration_number}" if self.is_registered else ""

    @property
    def registration_verified(self) -> bool:
        """Registered, and this very body and number were verified by someone other than the person."""
        return bool(
            self.is_registered and self.registration_verified_at and self.registration_verified_claim == self.registration_claim
        )

    def clean(self):
        self.registration_number = normalise_registration_number(self.registration_number)
        if not self.registration_body:
            self.registration_number = ""
            return
        try:
            validate_registration_number(self.registration_body, self.registration_number)
        except ValidationError as error:
            raise ValidationError({"registration_number": error}) from error


class ClinicalSafetyTraining(models.Model):
    """A completed clinical safety course (the DCB0129/0160 training) on a person's record."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clinical_safety_training")
    course = models.CharField(max_length=200)
    provider = models.CharField(max_length=200)
    completed_on = models.DateField()
    evidence_note = models.TextField(blank=True, help_text="Where the certificate is kept, or how completion was checked.")
    recorded_at = models.DateTimeField(default=timezone.now)
    # As for registration: the course as verified is kept, so that an edited record needs verifying again.
    verified_claim = models.CharField(max_length=450, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-completed_on"]

    def __str__(self):
        return f"{self.course} ({self.provider}, {self.completed_on:%-d %b %Y})"

    @property
    def claim(self) -> str:
        return f"{self.course}|{self.provider}|{self.completed_on.isoformat()}"

    @property
    def is_verified(self) -> bool:
        return bool(self.verified_at and self.verified_claim == self.claim)


class ChangeOfDetailsRequest(models.Model):
    """A change to an organisation's MSO, mailbox or board director, for the national registry to accept.

    This replaces the emailed change-of-details form: the national list changes only when the
    registry administrator accepts."""

    class Detail(models.TextChoices):
        MSO = "mso", "Medication Safety Officer"
        MAILBOX = "mailbox", "Generic MSO mailbox"
        BOARD_DIRECTOR = "board_director", "Board director for medication safety"

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Awaiting the registry"
        ACCEPTED = "accepted", "Accepted"
        QUERIED = "queried", "Queried"
        WITHDRAWN = "withdrawn", "Withdrawn"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="change_requests")
    detail = models.CharField(max_length=20, choices=Detail.choices)
    value_before = models.CharField(max_length=300, blank=True)
    value_after = models.CharField(max_length=300, blank=True)
    # When the change takes effect, if later than the request (a handover names the successor's start date).
    effective_from = models.DateField(null=True, blank=True)
    # The handover that sent it: cancelling the handover withdraws it.
    handover = models.ForeignKey(
        "Handover", null=True, blank=True, on_delete=models.PROTECT, related_name="change_requests"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    registry_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["status", "requested_at"], name="change_request_status")]

    def __str__(self):
        return f"{self.organisation.ods_code}: {self.get_detail_display()} → {self.value_after or '(none)'}"


class Handover(models.Model):
    """An MSO leaving and a successor taking over, run as a checklist so the role has no gap."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="handovers")
    outgoing = models.ForeignKey(RoleAssignment, on_delete=models.PROTECT, related_name="handovers_out")
    successor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="handovers_in")
    covering_deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="handovers_covered"
    )
    leaving_date = models.DateField()
    successor_start_date = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.IN_PROGRESS)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    finish_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"], condition=Q(status="in_progress"), name="one_open_handover_per_organisation",
                violation_error_message="This organisation already has a handover in progress.",
            ),
        ]

    def __str__(self):
        return f"MSO handover at {self.organisation.name}: {self.outgoing.user} to {self.successor}"

    @property
    def has_gap(self) -> bool:
        return self.successor_start_date > self.leaving_date + timedelta(days=1)


class HandoverItem(models.Model):
    """One checklist item of a handover: an owner, a due date, done or not, and the evidence."""

    # Items MedSafety Hub does itself when the handover completes: nobody ticks them by hand.
    DONE_ON_COMPLETION = frozenset({"reassign"})

    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(max_length=40)
    title = models.CharField(max_length=300)
    for_successor = models.BooleanField(default=False, help_text="A getting-started action for the new MSO.")
    required = models.BooleanField(default=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="handover_items")
    due_date = models.DateField()
    done = models.BooleanField(default=False)
    evidence = models.TextField(blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["handover", "position"]
        constraints = [models.UniqueConstraint(fields=["handover", "code"], name="one_item_per_code_per_handover")]

    def __str__(self):
        return self.title

    @property
    def done_on_completion(self) -> bool:
        return self.code in self.DONE_ON_COMPLETION


# --- National communications to every MSO ------------------------------------------------------


class NationalCommunication(models.Model):
    """A message from the national MSO network (a Medication Safety Update, or an alert needing action
    by a deadline) to the generic MSO mailbox of every organisation chosen."""

    class Kind(models.TextChoices):
        SAFETY_UPDATE = "safety_update", "Medication Safety Update"
        ACTION_REQUIRED = "action_required", "Alert: action required"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENT = "sent", "Sent"

    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    body = models.TextField("message")
    action_required_by = models.DateField("action required by", null=True, blank=True)
    # The recipients as chosen: {"region": ..., "organisation_type": ..., "icb": pk}; empty means every organisation.
    audience = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="action_required") | Q(action_required_by__isnull=False),
                name="action_required_communication_has_deadline",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def needs_action(self) -> bool:
        return self.kind == self.Kind.ACTION_REQUIRED

    @property
    def heading(self) -> str:
        """Kind and title for a subject line, never saying the kind twice when the title already does
        ("Medication Safety Update: December 2026", not "Medication Safety Update: Medication Safety ...")."""
        kind = self.get_kind_display()
        return self.title if self.title.casefold().startswith(kind.casefold()) else f"{kind}: {self.title}"


# A communication is written, then sent once; a sent one never changes.
COMMUNICATION_TRANSITIONS = {
    NationalCommunication.Status.DRAFT: {NationalCommunication.Status.SENT},
    NationalCommunication.Status.SENT: set(),
}


class CommunicationRecipient(models.Model):
    """One organisation's copy of a communication: where it went, and how far the MSO has got with it."""

    class State(models.TextChoices):
        OUTSTANDING = "outstanding", "Not yet acknowledged"
        RECEIVED = "received", "Received"
        COMPLETED = "completed", "Action complete"

    communication = models.ForeignKey(NationalCommunication, on_delete=models.CASCADE, related_name="recipients")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="communications_received")
    # The generic mailbox it went to when sent; blank when the organisation had none, so nobody was emailed.
    mailbox = models.EmailField(blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.OUTSTANDING)
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    action_note = models.TextField("what was done", blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    director_told_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["communication", "organisation"], name="one_copy_per_organisation"),
        ]
        indexes = [
            models.Index(fields=["communication", "state"], name="communication_recipient_state"),
            models.Index(fields=["organisation", "state"], name="communication_org_state"),
        ]

    def __str__(self):
        return f"{self.communication} → {self.organisation}"

    @property
    def is_overdue(self) -> bool:
        deadline = self.communication.action_required_by
        return bool(deadline) and self.state != self.State.COMPLETED and deadline < timezone.localdate()


# Received, then action complete with a note; completing may come first if the MSO acted at once.
ACKNOWLEDGEMENT_TRANSITIONS = {
    CommunicationRecipient.State.OUTSTANDING: {CommunicationRecipient.State.RECEIVED, CommunicationRecipient.State.COMPLETED},
    CommunicationRecipient.State.RECEIVED: {CommunicationRecipient.State.COMPLETED},
    CommunicationRecipient.State.COMPLETED: set(),
}
