"""Verifying what a CSO records about themselves. Registration and training typed by the person are
claims; the registry administrator or the governance team of an organisation where they are CSO
checks each against the professional register or the certificate and verifies it (who and when,
audited). Signing as CSO needs both verified (selectors.cso_signing_refusals)."""

from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from core.domain import DomainError, NotAllowed

from .. import permissions
from ..models import ClinicalSafetyTraining, ProfessionalDetails

CHANGED_SINCE_SEEN = "It has changed since you opened the page: check the new details, then verify again."


def cso_registration_verify(*, actor, person, seen_claim: str) -> ProfessionalDetails:
    """Verify a person's professional registration as it stands; locks their details. `seen_claim` is
    the registration the verifier was shown, so that a number changed meanwhile is not verified unseen."""
    if not permissions.can_verify_cso_claims(actor, person):
        raise NotAllowed("Only the registry administrator or the CSO's governance team verifies a registration, never the CSO.")
    with transaction.atomic():
        details = ProfessionalDetails.objects.select_for_update().filter(user=person).first()
        if details is None or not details.is_registered:
            raise DomainError(f"{person} has no professional registration on record to verify.")
        if details.registration_claim != seen_claim:
            raise DomainError(f"{person}'s registration: {CHANGED_SINCE_SEEN}")
        if details.registration_verified:
            raise DomainError(f"{person}'s registration is already verified.")
        details.registration_verified_claim = details.registration_claim
        details.registration_verified_by, details.registration_verified_at = actor, timezone.now()
        details.save(update_fields=["registration_verified_claim", "registration_verified_by", "registration_verified_at"])
        audit_record(
            actor=actor, action="person.registration_verified", target=details,
            changes={"registration verified": [None, f"{details.get_registration_body_display()} {details.registration_number}"]},
        )
    return details


def cso_training_verify(*, actor, training: ClinicalSafetyTraining, seen_claim: str) -> ClinicalSafetyTraining:
    """Verify one recorded clinical safety course as it stands; locks the record."""
    if not permissions.can_verify_cso_claims(actor, training.user):
        raise NotAllowed("Only the registry administrator or the CSO's governance team verifies training, never the CSO.")
    with transaction.atomic():
        training = ClinicalSafetyTraining.objects.select_for_update().select_related("user").get(pk=training.pk)
        if training.claim != seen_claim:
            raise DomainError(f"{training.course}: {CHANGED_SINCE_SEEN}")
        if training.is_verified:
            raise DomainError(f"{training.course} is already verified.")
        training.verified_claim, training.verified_by, training.verified_at = training.claim, actor, timezone.now()
        training.save(update_fields=["verified_claim", "verified_by", "verified_at"])
        audit_record(
            actor=actor, action="person.training_verified", target=training,
            changes={"training verified": [None, str(training)]},
        )
    return training
