"""What a person records about themselves: professional registration and clinical safety training."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from ..validators import normalise_registration_number, validate_registration_number


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
