"""The pages: who sees what, and the CSO's and governance's journeys through them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clinical_safety import services
from clinical_safety.models import Hazard, SafetyCaseStatus
from mso_registry.models import Role
from tests.factories import RoleAssignmentFactory, UserFactory

from .conftest import hazard_details

pytestmark = pytest.mark.django_db


def _form_data(**overrides):
    data = hazard_details(owner="", review_date="")
    data.update(overrides)
    return data


def _pages(hazard, report):
    system = hazard.system
    return [
        reverse("clinical_safety:system_detail", args=[system.pk]),
        reverse("clinical_safety:hazard_detail", args=[hazard.pk]),
        reverse("clinical_safety:hazard_log_csv", args=[system.pk]),
        reverse("clinical_safety:hazard_log_version_detail", args=[report.hazard_log_version.pk]),
        reverse("clinical_safety:hazard_log_version_json", args=[report.hazard_log_version.pk]),
        reverse("clinical_safety:safety_case_detail", args=[report.pk]),
    ]


def test_another_organisations_people_get_404_on_every_page(client, hazard, draft_case, hillside_cso):
    client.force_login(hillside_cso)
    for url in _pages(hazard, draft_case):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("clinical_safety:hazard_edit", args=[hazard.pk]), _form_data(title="X")).status_code == 404
    hazard.refresh_from_db()
    assert hazard.title != "X"


def test_the_system_list_shows_only_the_readers_own_organisation(client, epma, hillside_cso):
    client.force_login(hillside_cso)
    response = client.get(reverse("clinical_safety:system_list"))
    assert response.status_code == 200
    assert "MedChart EPMA" not in response.content.decode()


def test_staff_see_nothing_and_cannot_edit_hazards(client, hazard, riverside_staff):
    client.force_login(riverside_staff)
    assert client.get(reverse("clinical_safety:system_detail", args=[hazard.system.pk])).status_code == 404
    response = client.post(reverse("clinical_safety:hazard_edit", args=[hazard.pk]), _form_data(title="Staff edit"))
    assert response.status_code == 404
    hazard.refresh_from_db()
    assert hazard.title == "Wrong patient selected from the ward list"


def test_governance_reads_but_cannot_edit_hazards(client, hazard, riverside_governance):
    client.force_login(riverside_governance)
    page = client.get(reverse("clinical_safety:hazard_detail", args=[hazard.pk]))
    assert page.status_code == 200
    assert "Edit or rescore" not in page.content.decode()
    assert client.get(reverse("clinical_safety:hazard_edit", args=[hazard.pk])).status_code == 403
    response = client.post(reverse("clinical_safety:hazard_edit", args=[hazard.pk]), _form_data(title="Governance edit"))
    assert response.status_code == 403
    control = client.post(
        reverse("clinical_safety:hazard_detail", args=[hazard.pk]), {"control_type": "design", "description": "x"}
    )
    assert control.status_code == 403
    hazard.refresh_from_db()
    assert hazard.title == "Wrong patient selected from the ward list" and not hazard.controls.exists()


def test_governance_cannot_add_systems(client, riverside, riverside_governance):
    client.force_login(riverside_governance)
    assert client.get(reverse("clinical_safety:system_create", args=[riverside.ods_code])).status_code == 403


def test_a_cso_adds_a_hazard_and_the_rating_comes_from_the_matrix(client, epma, cso):
    client.force_login(cso)
    response = client.post(
        reverse("clinical_safety:hazard_create", args=[epma.pk]),
        _form_data(initial_severity=5, initial_likelihood=4, residual_severity=5, residual_likelihood=1,
                   residual_justification="Supplier fix due in release 5.", initial_rating=1, residual_rating=1),
    )
    hazard = Hazard.objects.get(system=epma)
    assert response.status_code == 302
    assert response["Location"] == reverse("clinical_safety:hazard_detail", args=[hazard.pk])
    assert (hazard.initial_rating, hazard.residual_rating) == (5, 3)


def test_the_form_refuses_a_residual_3_without_justification(client, epma, cso):
    client.force_login(cso)
    response = client.post(
        reverse("clinical_safety:hazard_create", args=[epma.pk]), _form_data(residual_severity=3, residual_likelihood=3)
    )
    assert response.status_code == 200
    assert "Record why further risk reduction is impractical" in response.content.decode()
    assert not Hazard.objects.exists()


def test_the_issue_page_says_why_a_cso_cannot_sign(client, hazard, riverside, epma):
    newcomer = UserFactory()
    RoleAssignmentFactory(user=newcomer, organisation=riverside, role=Role.CSO)
    client.force_login(newcomer)
    url = reverse("clinical_safety:hazard_log_issue", args=[epma.pk])
    page = client.get(url).content.decode()
    assert "No professional registration (GMC, NMC, GPhC or HCPC) is on record." in page
    assert "No clinical safety training (the DCB0129/0160 course) is on record." in page
    response = client.post(url, {"note": "", "confirm": "on"})
    assert "You cannot sign as Clinical Safety Officer" in response.content.decode()
    assert not epma.hazard_log_versions.exists()


def test_the_submit_button_shows_the_refusal_reasons(client, epma, cso, hazard):
    services.hazard_create(actor=cso, system=epma, details=hazard_details(
        title="Downtime", initial_severity=4, initial_likelihood=4, residual_severity=4, residual_likelihood=4))
    version = services.hazard_log_issue(actor=cso, system=epma)
    from .conftest import safety_case_details

    report = services.safety_case_draft(actor=cso, system=epma, details=safety_case_details(version))
    client.force_login(cso)
    response = client.post(reverse("clinical_safety:safety_case_submit", args=[report.pk]), follow=True)
    assert "H-002 (Downtime) has a residual risk rating of 4" in response.content.decode()
    report.refresh_from_db()
    assert report.status == SafetyCaseStatus.DRAFT


def test_governance_approves_through_the_page(client, submitted_case, riverside_governance):
    client.force_login(riverside_governance)
    page = client.get(reverse("clinical_safety:safety_case_detail", args=[submitted_case.pk])).content.decode()
    assert "Record the decision" in page
    client.post(reverse("clinical_safety:safety_case_decide", args=[submitted_case.pk]), {"decision": "approve"})
    submitted_case.refresh_from_db()
    assert submitted_case.status == SafetyCaseStatus.APPROVED


def test_the_author_is_not_offered_the_decision_and_a_forced_post_is_refused(client, submitted_case, cso, riverside):
    RoleAssignmentFactory(user=cso, organisation=riverside, role=Role.GOVERNANCE)
    client.force_login(cso)
    page = client.get(reverse("clinical_safety:safety_case_detail", args=[submitted_case.pk])).content.decode()
    assert "Record the decision" not in page
    response = client.post(reverse("clinical_safety:safety_case_decide", args=[submitted_case.pk]), {"decision": "approve"})
    assert response.status_code == 403
    submitted_case.refresh_from_db()
    assert submitted_case.status == SafetyCaseStatus.SUBMITTED


def test_an_approved_case_cannot_be_edited_through_the_page(client, approved_case, cso):
    client.force_login(cso)
    assert client.get(reverse("clinical_safety:safety_case_edit", args=[approved_case.pk])).status_code == 403


def test_the_out_of_date_reason_is_shown_on_the_case(client, approved_case, hazard, cso):
    services.hazard_update(actor=cso, hazard=hazard, details=hazard_details(actions="Audit in March"))
    client.force_login(cso)
    page = client.get(reverse("clinical_safety:safety_case_detail", args=[approved_case.pk])).content.decode()
    assert "Out of date since" in page and "was changed: outstanding actions" in page


def test_the_heat_map_is_an_svg_with_a_table_behind_it(client, hazard, cso):
    client.force_login(cso)
    page = client.get(reverse("clinical_safety:system_detail", args=[hazard.system.pk])).content.decode()
    assert page.count('<svg viewBox=') == 2
    assert "Initial risk as a table" in page and "Residual risk as a table" in page
    assert 'style="' not in page.split("<main")[1]  # the CSP forbids style attributes


def test_the_csv_has_every_hazard(client, hazard, cso):
    client.force_login(cso)
    body = client.get(reverse("clinical_safety:hazard_log_csv", args=[hazard.system.pk])).content.decode()
    assert body.splitlines()[0].startswith("Reference,Title,Description")
    assert "H-001,Wrong patient selected from the ward list" in body


def test_the_system_page_queries_do_not_grow_with_hazards(client, epma, cso):
    client.force_login(cso)
    url = reverse("clinical_safety:system_detail", args=[epma.pk])
    services.hazard_create(actor=cso, system=epma, details=hazard_details())
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(5):
        hazard = services.hazard_create(actor=cso, system=epma, details=hazard_details(title=f"Hazard {n}"))
        services.hazard_control_add(actor=cso, hazard=hazard, details={"control_type": "test", "description": "T"})
    client.get(url)  # the heat maps of the changed log drawn once, as for `few`
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_the_heat_maps_follow_a_change_to_a_hazard_at_once(client, epma, cso):
    """The maps are cached under the log's content hash, which every change to a hazard changes."""
    client.force_login(cso)
    url = reverse("clinical_safety:system_detail", args=[epma.pk])
    hazard = services.hazard_create(actor=cso, system=epma, details=hazard_details())
    rated_3 = 'class="rating-3"><span class="visually-hidden">Rating 3: </span>1<'

    def residual_map(page: str) -> str:
        return page[page.index("Residual risk: "):]

    before = client.get(url).content.decode()
    assert "Residual risk: 1 hazard<" in before and rated_3 not in residual_map(before)
    services.hazard_update(actor=cso, hazard=hazard, details=hazard_details(
        residual_likelihood=2, residual_justification="Further reduction would need a new supplier."))
    after = client.get(url).content.decode()
    assert rated_3 in residual_map(after)  # the hazard moved from rating 2 to 3
    services.hazard_create(actor=cso, system=epma, details=hazard_details(title="Second hazard"))
    assert "Residual risk: 2 hazards" in client.get(url).content.decode()


def test_the_nav_link_shows_for_clinical_safety_roles_only(client, epma, cso, riverside_staff):
    client.force_login(cso)
    assert "Clinical safety</a>" in client.get(reverse("home")).content.decode()
    client.force_login(riverside_staff)
    assert "Clinical safety</a>" not in client.get(reverse("home")).content.decode()
