import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clinical_safety import services
from clinical_safety.models import HazardStatus, Standard
from core.domain import DomainError

from .conftest import hazard_details

pytestmark = pytest.mark.django_db


@pytest.fixture
def manufacturer_export(client, hillside, hillside_cso):
    """Hillside makes a system (DCB0129) and issues its log; this is the file it sends."""
    system = services.system_create(
        actor=hillside_cso, organisation=hillside,
        details={"name": "DoseWise", "manufacturer": "Hillside Digital", "version": "2.0", "standard": Standard.DCB0129,
                 "intended_use": "Dose calculation", "clinical_scope": "Adults", "cso": hillside_cso},
    )
    hazard = services.hazard_create(actor=hillside_cso, system=system, details=hazard_details(title="Rounding error"))
    services.hazard_control_add(
        actor=hillside_cso, hazard=hazard,
        details={"control_type": "test", "description": "Boundary tests", "verification": "TS-1", "verified_on": None},
    )
    version = services.hazard_log_issue(actor=hillside_cso, system=system)
    client.force_login(hillside_cso)
    return json.loads(client.get(reverse("clinical_safety:hazard_log_version_json", args=[version.pk])).content)


def test_a_deployer_imports_the_manufacturers_hazards_as_transferred(manufacturer_export, hazard, epma, cso):
    [imported] = services.hazard_log_import(actor=cso, system=epma, document=manufacturer_export)
    assert imported.reference == "H-002"  # after the local H-001
    assert imported.status == HazardStatus.TRANSFERRED
    assert imported.source == "Hillside Digital DoseWise 2.0, hazard log version 1, H-001"
    assert imported.controls.get().description == "Boundary tests"
    assert imported.scores.count() == 1 and imported.residual_rating == 2


def test_an_edited_file_is_refused(manufacturer_export, epma, cso):
    manufacturer_export["hazard_log"]["hazards"][0]["residual_likelihood"] = 1
    manufacturer_export["hazard_log"]["hazards"][0]["title"] = "Edited"
    with pytest.raises(DomainError, match="does not match its content hash"):
        services.hazard_log_import(actor=cso, system=epma, document=manufacturer_export)
    assert not epma.hazards.exists()


def test_a_manufacturers_own_system_does_not_import(manufacturer_export, epma, cso):
    epma.standard = Standard.DCB0129
    epma.save()
    with pytest.raises(DomainError, match="DCB0160"):
        services.hazard_log_import(actor=cso, system=epma, document=manufacturer_export)


def test_import_through_the_page(client, manufacturer_export, epma, cso):
    client.force_login(cso)
    upload = SimpleUploadedFile("log.json", json.dumps(manufacturer_export).encode(), "application/json")
    response = client.post(reverse("clinical_safety:hazard_log_import", args=[epma.pk]), {"file": upload})
    assert response.status_code == 302
    assert epma.hazards.get().status == HazardStatus.TRANSFERRED


def test_a_file_that_is_not_json_is_explained(client, epma, cso):
    client.force_login(cso)
    upload = SimpleUploadedFile("log.json", b"not json", "application/json")
    response = client.post(reverse("clinical_safety:hazard_log_import", args=[epma.pk]), {"file": upload})
    assert "The file is not valid JSON." in response.content.decode()


def test_the_same_file_imported_twice_is_refused_with_what_it_added(manufacturer_export, hazard, epma, cso):
    services.hazard_log_import(actor=cso, system=epma, document=manufacturer_export)
    with pytest.raises(DomainError) as refused:
        services.hazard_log_import(actor=cso, system=epma, document=manufacturer_export)
    message = str(refused.value)
    assert "was imported on" in message and "its hazard is H-002" in message and "twice" in message
    assert epma.hazards.count() == 2  # the local H-001 and the one import


def test_a_second_upload_through_the_page_says_why_and_adds_nothing(client, manufacturer_export, epma, cso):
    client.force_login(cso)
    url = reverse("clinical_safety:hazard_log_import", args=[epma.pk])
    for _ in range(2):
        upload = SimpleUploadedFile("log.json", json.dumps(manufacturer_export).encode(), "application/json")
        response = client.post(url, {"file": upload})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Importing it again would add every hazard twice" in page
    assert "Imported before" in page and "1 hazard from H-001" in page
    assert epma.hazards.count() == 1


def test_another_deployer_may_import_the_same_file(manufacturer_export, epma, cso, riverside):
    other = services.system_create(
        actor=cso, organisation=riverside,
        details={"name": "DoseWise", "manufacturer": "Hillside Digital", "version": "2.0", "standard": Standard.DCB0160,
                 "intended_use": "Dose calculation", "clinical_scope": "Adults", "cso": cso},
    )
    services.hazard_log_import(actor=cso, system=epma, document=manufacturer_export)
    assert len(services.hazard_log_import(actor=cso, system=other, document=manufacturer_export)) == 1


def test_a_deployers_log_cannot_be_imported_as_a_manufacturers(client, hillside, hillside_cso, epma, cso):
    deployer = services.system_create(
        actor=hillside_cso, organisation=hillside,
        details={"name": "MedChart EPMA", "manufacturer": "Example Health Systems Ltd", "version": "4.2",
                 "standard": Standard.DCB0160, "intended_use": "EPMA", "clinical_scope": "Adults", "cso": hillside_cso},
    )
    services.hazard_create(actor=hillside_cso, system=deployer, details=hazard_details(title="Local workflow"))
    version = services.hazard_log_issue(actor=hillside_cso, system=deployer)
    client.force_login(hillside_cso)
    document = json.loads(client.get(reverse("clinical_safety:hazard_log_version_json", args=[version.pk])).content)
    with pytest.raises(DomainError, match=r"deployer's \(DCB0160\) hazard log"):
        services.hazard_log_import(actor=cso, system=epma, document=document)
    assert not epma.hazards.exists()
