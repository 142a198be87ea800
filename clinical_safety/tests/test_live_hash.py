"""The hazard log's live content hash is kept by the services that change the log: after every kind
of change it equals the hash worked out from the snapshot, and reading it on the system page reads
no hazard rows. What changes elsewhere (an owner's name, the organisation's name) is noticed too."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinical_safety import selectors, services
from clinical_safety.models import HealthITSystem
from mso_registry.models import Organisation

from .conftest import hazard_details
from .test_import import manufacturer_export  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def _kept(system) -> HealthITSystem:
    system = HealthITSystem.objects.select_related("organisation").get(pk=system.pk)
    recomputed = selectors.hazard_log_hash(system)
    assert system.live_content_hash == recomputed
    with CaptureQueriesContext(connection) as queries:
        assert selectors.hazard_log_live_hash(system) == recomputed
    assert not [q for q in queries.captured_queries if "clinical_safety_hazard" in q["sql"]]
    return system


def test_every_change_to_the_log_keeps_the_live_hash(epma, cso, riverside_staff):
    _kept(epma)  # a new, empty log
    hazard = services.hazard_create(actor=cso, system=epma, details=hazard_details())
    first = _kept(epma).live_content_hash
    second = services.hazard_create(actor=cso, system=epma, details=hazard_details(title="Wrong dose unit shown"))
    _kept(epma)
    services.hazard_update(actor=cso, hazard=hazard, details=hazard_details(residual_likelihood=1,
                                                                             owner=riverside_staff))
    _kept(epma)
    services.hazard_control_add(actor=cso, hazard=second, details={
        "control_type": "training", "description": "Ward training", "verification": "Records", "verified_on": None})
    _kept(epma)
    services.system_update(actor=cso, system=epma, details={
        "name": "MedChart EPMA", "manufacturer": "Example Health Systems Ltd", "version": "4.3",
        "standard": epma.standard, "intended_use": epma.intended_use, "clinical_scope": epma.clinical_scope, "cso": cso})
    assert _kept(epma).live_content_hash != first


def test_an_import_keeps_the_live_hash(manufacturer_export, hazard, epma, cso):  # noqa: F811
    services.hazard_log_import(actor=cso, system=epma, document=manufacturer_export)
    _kept(epma)


def test_a_change_outside_the_log_is_noticed(epma, cso, riverside_staff, riverside):
    hazard = services.hazard_create(actor=cso, system=epma, details=hazard_details())
    services.hazard_update(actor=cso, hazard=hazard, details=hazard_details(owner=riverside_staff))
    kept = _kept(epma).live_content_hash
    riverside_staff.full_name = "Renamed Person"
    riverside_staff.save()
    Organisation.objects.filter(pk=riverside.pk).update(name="Riverside Hospitals NHS Trust")
    system = HealthITSystem.objects.select_related("organisation").get(pk=epma.pk)

    assert selectors.hazard_log_live_hash(system) == selectors.hazard_log_hash(system) != kept


def test_a_log_no_service_has_kept_yet_is_worked_out_and_filled(epma, cso):
    services.hazard_create(actor=cso, system=epma, details=hazard_details())
    HealthITSystem.objects.filter(pk=epma.pk).update(live_content_hash="", live_hash_context={})
    system = HealthITSystem.objects.select_related("organisation").get(pk=epma.pk)
    assert selectors.hazard_log_live_hash(system) == selectors.hazard_log_hash(system)

    assert services.hazard_log_live_hashes_fill() == 1
    _kept(epma)
