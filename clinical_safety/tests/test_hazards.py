import pytest

from audit.selectors import history_of
from clinical_safety import services
from clinical_safety.forms import HazardForm
from clinical_safety.models import HazardScore
from core.domain import DomainError, NotAllowed
from mso_registry.models import Role
from tests.factories import RoleAssignmentFactory, UserFactory

from .conftest import hazard_details

pytestmark = pytest.mark.django_db


def test_hazards_are_numbered_per_system(epma, cso, riverside, hillside_cso, hillside):
    first = services.hazard_create(actor=cso, system=epma, details=hazard_details())
    second = services.hazard_create(actor=cso, system=epma, details=hazard_details(title="Dose unit confusion"))
    other = services.system_create(
        actor=hillside_cso, organisation=hillside,
        details={"name": "MedChart EPMA", "manufacturer": "X", "version": "1", "standard": "dcb0160",
                 "intended_use": "x", "clinical_scope": "x", "cso": hillside_cso},
    )
    elsewhere = services.hazard_create(actor=hillside_cso, system=other, details=hazard_details())
    assert [first.reference, second.reference, elsewhere.reference] == ["H-001", "H-002", "H-001"]


def test_ratings_are_looked_up_never_typed(epma, cso):
    # A rating sent with the details is ignored: the matrix decides.
    hazard = services.hazard_create(
        actor=cso, system=epma,
        details=hazard_details(initial_severity=5, initial_likelihood=5, residual_severity=2, residual_likelihood=2)
        | {"initial_rating": 1, "residual_rating": 1},
    )
    hazard.refresh_from_db()
    assert (hazard.initial_rating, hazard.residual_rating) == (5, 2)


def test_the_hazard_form_has_no_rating_fields(riverside):
    fields = HazardForm(organisation=riverside).fields
    assert "initial_rating" not in fields and "residual_rating" not in fields
    assert {"initial_severity", "initial_likelihood", "residual_severity", "residual_likelihood"} <= set(fields)


def test_a_residual_rating_of_3_needs_a_justification(epma, cso):
    # Considerable x Medium = 3
    with pytest.raises(DomainError, match="record why further risk reduction is impractical"):
        services.hazard_create(
            actor=cso, system=epma, details=hazard_details(residual_severity=3, residual_likelihood=3)
        )
    assert epma.hazards.count() == 0
    hazard = services.hazard_create(
        actor=cso, system=epma,
        details=hazard_details(residual_severity=3, residual_likelihood=3,
                               residual_justification="Supplier cannot change the search until 2027."),
    )
    assert hazard.residual_rating == 3


def test_the_form_asks_for_the_justification_next_to_the_field(riverside):
    data = hazard_details(residual_severity=3, residual_likelihood=3, owner="", review_date="")
    form = HazardForm(data=data, organisation=riverside)
    assert not form.is_valid()
    assert "Record why further risk reduction is impractical" in form.errors["residual_justification"][0]


def test_residual_risk_cannot_exceed_initial_risk(epma, cso):
    with pytest.raises(DomainError, match="cannot be higher"):
        services.hazard_create(
            actor=cso, system=epma,
            details=hazard_details(initial_severity=1, initial_likelihood=1, residual_severity=5, residual_likelihood=5),
        )


def test_rescoring_adds_to_the_scoring_history_and_a_text_edit_does_not(hazard, cso):
    assert hazard.scores.count() == 1
    services.hazard_update(actor=cso, hazard=hazard, details=hazard_details(description="Clarified wording."))
    assert hazard.scores.count() == 1
    services.hazard_update(actor=cso, hazard=hazard, details=hazard_details(initial_likelihood=4))
    scores = list(hazard.scores.order_by("pk"))
    assert [(s.initial_rating, s.scored_by) for s in scores] == [(3, cso), (4, cso)]
    assert history_of(hazard).filter(action="hazard.updated").count() == 2


def test_scoring_history_cannot_be_rewritten(hazard):
    score = HazardScore.objects.get(hazard=hazard)
    score.initial_rating = 5
    with pytest.raises(RuntimeError):
        score.save()


def test_controls_are_typed_and_recorded(hazard, cso):
    control = services.hazard_control_add(
        actor=cso, hazard=hazard,
        details={"control_type": "design", "description": "Photo in the banner", "verification": "", "verified_on": None},
    )
    assert control.get_control_type_display() == "Design"
    assert not control.is_verified
    assert history_of(hazard).filter(action="hazard.control_added").exists()


@pytest.mark.parametrize("role", [Role.STAFF, Role.GOVERNANCE, Role.MSO])
def test_only_a_cso_of_the_organisation_edits_hazards(hazard, riverside, role):
    person = UserFactory()
    RoleAssignmentFactory(user=person, organisation=riverside, role=role)
    with pytest.raises(NotAllowed):
        services.hazard_update(actor=person, hazard=hazard, details=hazard_details(title="Changed"))
    hazard.refresh_from_db()
    assert hazard.title == "Wrong patient selected from the ward list"


def test_a_cso_of_another_organisation_cannot_add_hazards(epma, hillside_cso):
    with pytest.raises(NotAllowed):
        services.hazard_create(actor=hillside_cso, system=epma, details=hazard_details())
    assert epma.hazards.count() == 0
