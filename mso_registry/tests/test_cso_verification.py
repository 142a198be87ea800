"""Issue 15, point 6: what a CSO records about themselves is a claim. Signing needs the registration
and training verified by the registry administrator or the organisation's governance team (who and
when, audited); a changed number re-opens verification; the register says who must verify."""

from datetime import date

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from core.domain import DomainError, NotAllowed
from mso_registry.models import ClinicalSafetyTraining, ProfessionalDetails, Role
from mso_registry.permissions import can_verify_cso_claims
from mso_registry.selectors import cso_register, cso_signing_refusals
from mso_registry.services import (
    clinical_safety_training_record,
    cso_registration_verify,
    cso_training_verify,
    professional_details_update,
)
from tests.factories import RoleAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def claims(riverside_cso):
    """The CSO records their own GPhC number and training."""
    details = professional_details_update(
        actor=riverside_cso, person=riverside_cso, registration_body="gphc", registration_number="2071234"
    )
    training = clinical_safety_training_record(
        actor=riverside_cso, person=riverside_cso, course="DCB0129/0160 clinical safety", provider="NHS England",
        completed_on=date(2025, 3, 1),
    )
    return details, training


def _verify_both(actor, person, details, training):
    cso_registration_verify(actor=actor, person=person, seen_claim=details.registration_claim)
    cso_training_verify(actor=actor, training=training, seen_claim=training.claim)


def test_self_recorded_registration_and_training_do_not_let_a_cso_sign(claims, riverside_cso):
    refusals = cso_signing_refusals(riverside_cso)
    assert any("registration (General Pharmaceutical Council (GPhC) 2071234) is not yet verified" in r for r in refusals)
    assert any("training is not yet verified" in r for r in refusals)
    assert all("national registry administrator or the governance team of Riverside" in r for r in refusals)


def test_the_governance_team_verifies_and_then_the_cso_may_sign(claims, riverside_cso, riverside_governance):
    details, training = claims
    _verify_both(riverside_governance, riverside_cso, details, training)
    assert cso_signing_refusals(riverside_cso) == []
    details.refresh_from_db()
    training.refresh_from_db()
    assert details.registration_verified_by == riverside_governance and details.registration_verified_at
    assert training.verified_by == riverside_governance and training.verified_at
    assert AuditEvent.objects.filter(action="person.registration_verified", actor=riverside_governance).count() == 1
    assert AuditEvent.objects.filter(action="person.training_verified", actor=riverside_governance).count() == 1


def test_the_registry_administrator_verifies_too(claims, riverside_cso, registry_admin):
    _verify_both(registry_admin, riverside_cso, *claims)
    assert cso_signing_refusals(riverside_cso) == []


def test_nobody_verifies_their_own_claims(claims, riverside_cso, riverside, riverside_staff, riverside_mso, hillside):
    details, training = claims
    # Even a CSO who is also on the governance team, or the registry administrator, may not.
    RoleAssignmentFactory(user=riverside_cso, organisation=riverside, role=Role.GOVERNANCE)
    RoleAssignmentFactory(user=riverside_cso, organisation=None, role=Role.REGISTRY_ADMIN)
    riverside_cso.__dict__.pop("_current_roles", None)
    hillside_governance = UserFactory()
    RoleAssignmentFactory(user=hillside_governance, organisation=hillside, role=Role.GOVERNANCE)
    for outsider in (riverside_cso, riverside_staff, riverside_mso, hillside_governance):
        assert not can_verify_cso_claims(outsider, riverside_cso)
        with pytest.raises(NotAllowed):
            cso_registration_verify(actor=outsider, person=riverside_cso, seen_claim=details.registration_claim)
        with pytest.raises(NotAllowed):
            cso_training_verify(actor=outsider, training=training, seen_claim=training.claim)
    assert cso_signing_refusals(riverside_cso) != []


def test_changing_a_verified_number_reopens_verification(claims, riverside_cso, riverside_governance):
    details, training = claims
    _verify_both(riverside_governance, riverside_cso, details, training)
    professional_details_update(actor=riverside_cso, person=riverside_cso, job_title="Lead CSO")  # not the number
    assert cso_signing_refusals(riverside_cso) == []
    professional_details_update(actor=riverside_cso, person=riverside_cso, registration_body="gphc", registration_number="2079999")
    details.refresh_from_db()
    assert not details.registration_verified and details.registration_verified_by is None
    assert any("2079999) is not yet verified" in r for r in cso_signing_refusals(riverside_cso))
    event = AuditEvent.objects.filter(action="person.details_updated").order_by("-pk").first()
    assert event.changes["registration verified"] == ["Yes", "No: the new registration needs verifying"]


def test_an_edited_training_record_needs_verifying_again(claims, riverside_cso, riverside_governance):
    details, training = claims
    _verify_both(riverside_governance, riverside_cso, details, training)
    # Even edited outside the services (the admin site), the course no longer matches what was verified.
    ClinicalSafetyTraining.objects.filter(pk=training.pk).update(course="A different course")
    assert any("training is not yet verified" in r for r in cso_signing_refusals(riverside_cso))


def test_a_claim_changed_while_the_verifier_looked_is_not_verified_unseen(claims, riverside_cso, riverside_governance):
    details, training = claims
    seen = details.registration_claim
    professional_details_update(actor=riverside_cso, person=riverside_cso, registration_body="gphc", registration_number="2075555")
    with pytest.raises(DomainError, match="changed since you opened the page"):
        cso_registration_verify(actor=riverside_governance, person=riverside_cso, seen_claim=seen)
    assert not ProfessionalDetails.objects.get(user=riverside_cso).registration_verified


def test_verifying_twice_says_it_is_already_verified(claims, riverside_cso, riverside_governance):
    details, training = claims
    _verify_both(riverside_governance, riverside_cso, details, training)
    with pytest.raises(DomainError, match="already verified"):
        cso_registration_verify(actor=riverside_governance, person=riverside_cso, seen_claim=details.registration_claim)


# --- the register page --------------------------------------------------------------------------


def test_the_register_says_who_must_verify_and_offers_it_to_them(client, claims, riverside_cso, riverside_governance):
    client.force_login(riverside_cso)
    page = client.get(reverse("mso_registry:cso_register")).text
    assert "Claimed, not verified" in page
    assert "The national registry administrator or the governance team of Riverside" in page
    assert "Verify registration" not in page  # not to the CSO themselves
    client.force_login(riverside_governance)
    page = client.get(reverse("mso_registry:cso_register")).text
    assert "Verify registration" in page and "Verify training" in page


def test_verifying_from_the_register_page(client, claims, riverside_cso, riverside_governance):
    details, training = claims
    client.force_login(riverside_governance)
    response = client.post(reverse("mso_registry:cso_registration_verify", args=[riverside_cso.pk]),
                           {"claim": details.registration_claim}, follow=True)
    assert "registration (General Pharmaceutical Council (GPhC) 2071234) is verified, by you, today." in response.text
    response = client.post(reverse("mso_registry:cso_training_verify", args=[training.pk]),
                           {"claim": training.claim}, follow=True)
    assert "Able to sign" in response.text
    entry = cso_register(riverside_governance)[0]
    assert entry["able_to_sign"]


def test_a_stale_page_gets_a_message_not_an_error(client, claims, riverside_cso, riverside_governance):
    client.force_login(riverside_governance)
    response = client.post(reverse("mso_registry:cso_registration_verify", args=[riverside_cso.pk]),
                           {"claim": "gphc:0000000"}, follow=True)
    assert response.status_code == 200 and "changed since you opened the page" in response.text


def test_the_cso_cannot_verify_through_the_url(client, claims, riverside_cso):
    details, _ = claims
    client.force_login(riverside_cso)
    response = client.post(reverse("mso_registry:cso_registration_verify", args=[riverside_cso.pk]),
                           {"claim": details.registration_claim})
    assert response.status_code == 403
    assert not ProfessionalDetails.objects.get(user=riverside_cso).registration_verified


def test_hillside_cannot_reach_a_riverside_cso(client, claims, riverside_cso, hillside_mso):
    client.force_login(hillside_mso)
    url = reverse("mso_registry:cso_registration_verify", args=[riverside_cso.pk])
    assert client.post(url, {"claim": claims[0].registration_claim}).status_code == 404
