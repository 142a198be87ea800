"""Issuing a signed version of the hazard log."""

from django.db import transaction
from django.db.models import Max

from audit.services import audit_record
from core.domain import DomainError
from submissions.services import submission_claim, submission_made

from ..models import HazardLogVersion, HealthITSystem
from ..selectors import content_hash, hazard_log_snapshot, signer_registration
from .shared import _require_editor, _require_signer


def hazard_log_issue(*, actor, system: HealthITSystem, note: str = "", submission_key: str = "") -> HazardLogVersion:
    """Freeze every hazard of the system into a new numbered version with its content hash, signed
    by the acting CSO. Refused, with the reasons, for anyone not fit to sign. The same form sent
    again raises AlreadySubmitted with the version it issued."""
    with transaction.atomic():
        system = HealthITSystem.objects.select_for_update().select_related("organisation").get(pk=system.pk)
        _require_editor(actor, system)
        _require_signer(actor)
        claim = submission_claim(key=submission_key, user=actor, purpose=f"hazard_log.issue:{system.pk}")
        frozen = hazard_log_snapshot(system)
        if not frozen["hazards"]:
            raise DomainError("The hazard log has no hazards yet: add at least one before issuing it.")
        number = (system.hazard_log_versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = HazardLogVersion.objects.create(
            system=system,
            number=number,
            snapshot=frozen,
            content_hash=content_hash(frozen),
            note=note.strip(),
            signed_by=actor,
            signer_name=actor.get_full_name(),
            signer_registration=signer_registration(actor),
        )
        audit_record(
            actor=actor, action="hazard_log.issued", target=version, organisation=system.organisation,
            changes={"version": [None, number], "content_hash": [None, version.content_hash],
                     "hazards": [None, len(frozen["hazards"])]},
        )
        submission_made(claim, version)
    return version
