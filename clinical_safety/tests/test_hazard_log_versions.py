import pytest

from clinical_safety import selectors, services
from clinical_safety.models import HazardLogVersion
from core.domain import DomainError
from mso_registry.models import ClinicalSafetyTraining, ProfessionalDetails

from .conftest import hazard_details

pytestmark = pytest.mark.django_db


def test_issuing_freezes_every_hazard_and_signs_with_name_and_registration(issued, hazard, cso):
    assert issued.number == 1
    assert [h["reference"] for h in issued.snapshot["hazards"]] == ["H-001"]
    assert issued.snapshot["hazards"][0]["residual_rating"] == hazard.residual_rating
    assert issued.signer_name == cso.get_full_name()
    assert issued.signer_registration == "GPhC 2071234"
    assert len(issued.content_hash) == 64


def test_signing_is_refused_without_registration_and_says_why(hazard, epma, cso):
    ProfessionalDetails.objects.filter(user=cso).update(registration_body="", registration_number="")
    with pytest.raises(services.SigningRefused) as refusal:
        services.hazard_log_issue(actor=cso, system=epma)
    assert refusal.value.reasons == ["No professional registration (GMC, NMC, GPhC or HCPC) is on record."]
    assert not HazardLogVersion.objects.exists()


def test_signing_is_refused_without_training_and_says_why(hazard, epma, cso):
    ClinicalSafetyTraining.objects.filter(user=cso).delete()
    with pytest.raises(services.SigningRefused) as refusal:
        services.hazard_log_issue(actor=cso, system=epma)
    assert "No clinical safety training (the DCB0129/0160 course) is on record." in str(refusal.value)
    assert not HazardLogVersion.objects.exists()


def test_a_cso_with_neither_gets_both_reasons(epma, riverside, hazard):
    from tests.factories import RoleAssignmentFactory, UserFactory

    newcomer = UserFactory()
    RoleAssignmentFactory(user=newcomer, organisation=riverside, role="cso")
    with pytest.raises(services.SigningRefused) as refusal:
        services.hazard_log_issue(actor=newcomer, system=epma)
    assert len(refusal.value.reasons) == 2


def test_an_empty_log_cannot_be_issued(epma, cso):
    with pytest.raises(DomainError, match="no hazards"):
        services.hazard_log_issue(actor=cso, system=epma)


def test_the_hash_is_stable_while_nothing_changes(issued, epma, cso):
    second = services.hazard_log_issue(actor=cso, system=epma, note="Reissued")
    assert second.number == 2
    assert second.content_hash == issued.content_hash == selectors.hazard_log_hash(epma)
    assert selectors.content_hash(issued.snapshot) == issued.content_hash


def test_the_hash_changes_when_a_hazard_changes(issued, hazard, epma, cso):
    services.hazard_update(actor=cso, hazard=hazard, details=hazard_details(causes="Also: surname search only."))
    assert selectors.hazard_log_changed_since(issued)
    third = services.hazard_log_issue(actor=cso, system=epma)
    assert third.content_hash != issued.content_hash


def test_an_issued_version_is_immutable(issued, hazard, cso):
    frozen_hash, frozen_title = issued.content_hash, issued.snapshot["hazards"][0]["title"]
    services.hazard_update(actor=cso, hazard=hazard, details=hazard_details(title="Renamed hazard"))
    issued.refresh_from_db()
    assert issued.snapshot["hazards"][0]["title"] == frozen_title
    assert issued.content_hash == frozen_hash
    issued.note = "tampered"
    with pytest.raises(RuntimeError):
        issued.save()
    with pytest.raises(RuntimeError):
        issued.delete()
