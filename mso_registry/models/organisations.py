"""Organisations and the roles people hold in them."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ..validators import validate_ods_code


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
                condition=Q(role=Role.MSO, end_date__isnull=True),
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
                condition=Q(role=Role.REGISTRY_ADMIN, organisation__isnull=True)
                | (~Q(role=Role.REGISTRY_ADMIN) & Q(organisation__isnull=False)),
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
