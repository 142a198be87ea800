"""The AdverseEvent: pure functions from facts, valid FHIR R4 and LFPSE's profile, nothing that names anyone."""

import json

import pytest

from incidents.lfpse.mapping import map_facts
from incidents.lfpse.profile import profile_problems
from incidents.lfpse.resource import ResourceInvalid, adverse_event_build, adverse_event_validate, content_hash

from .conftest import BASE
from .test_mapping import facts

SYSTEM = "https://medsafety.example/incidents/reference"


def build(**overrides):
    f = facts(**overrides)
    return adverse_event_build(f, map_facts(f), base=BASE, identifier_system=SYSTEM)


def _extension(resource, extension_id, where=None):
    items = resource["extension"] if where is None else next(c for c in resource["contained"] if c["resourceType"] == where)["extension"]
    found = [e for e in items if e["url"].endswith("/" + extension_id)]
    return {part["url"]: part for part in found[0]["extension"]} if found else None


def test_the_built_resource_is_valid_fhir_r4_and_meets_the_profile():
    resource = build()
    adverse_event_validate(resource, base=BASE)
    assert resource["meta"]["profile"] == [f"{BASE}/StructureDefinition/patient-safety-adverse-event-5"]
    assert resource["subject"] == {"reference": "#patient1"}
    assert resource["identifier"] == {"system": SYSTEM, "value": "MI-2026-000001"}
    patient = _extension(resource, "patient-information-5", where="Patient")
    assert patient["PatientSequence"]["valueInteger"] == 1
    assert patient["PhysicalHarm"]["valueCode"] == "3"
    assert _extension(resource, "adverse-event-process-5")["Process"]["valueCode"] == "6"
    assert _extension(resource, "adverse-event-agent-5")["DrugsInvolved"]["valueString"] == "Insulin aspart"
    reporter = _extension(resource, "practitioner-details-5", where="Practitioner")
    assert reporter["ReporterOrganisation"]["valueCode"] == "R9R"
    assert reporter["ReporterRole"]["valueCode"] == "5"


def test_a_never_event_is_flagged_with_its_type():
    governance = _extension(build(never_event="insulin_overdose"), "adverse-event-governance-5")
    assert governance["NeverEvent"]["valueBoolean"] is True
    assert governance["NeverEventType"]["valueCode"] == "6"


def test_an_anonymous_report_sends_no_reporter_role_and_says_it_is_anonymous():
    resource = build(is_anonymous=True, reporter_profession="")
    reporter = _extension(resource, "practitioner-details-5", where="Practitioner")
    assert "ReporterRole" not in reporter
    assert set(reporter) == {"ReporterType", "ReporterOrganisation"}
    assert _extension(resource, "adverse-event-reference-metadata-5")["IsAnonymous"]["valueBoolean"] is True


def test_nothing_names_a_person():
    text = json.dumps(build())
    for forbidden in ("nhs_number", "name\"", "telecom", "birthDate", "description"):
        assert forbidden not in text


def test_a_held_incident_cannot_be_built():
    f = facts(stage="transcribing")
    with pytest.raises(ResourceInvalid, match="held"):
        adverse_event_build(f, map_facts(f), base=BASE, identifier_system=SYSTEM)


def test_validation_refuses_what_fhir_r4_refuses():
    resource = build()
    resource["date"] = "yesterday"
    with pytest.raises(ResourceInvalid, match="FHIR R4"):
        adverse_event_validate(resource, base=BASE)


def test_the_profile_check_names_each_problem():
    resource = build()
    resource["meta"]["profile"] = ["https://elsewhere/StructureDefinition/x"]
    resource["contained"][0]["name"] = [{"text": "Jane Doe"}]
    process = next(e for e in resource["extension"] if e["url"].endswith("adverse-event-process-5"))
    process["extension"][0]["valueCode"] = "99"
    problems = profile_problems(resource, base=BASE)
    assert any("meta.profile" in p for p in problems)
    assert any("Patient: no identifier, name" in p for p in problems)
    assert any("code '99' is not in healthcare-process-5" in p for p in problems)


def test_the_profile_check_wants_the_required_extensions():
    resource = build()
    resource["extension"] = [e for e in resource["extension"] if not e["url"].endswith("adverse-event-process-5")]
    resource["contained"][0]["extension"] = []
    problems = profile_problems(resource, base=BASE)
    assert "extension adverse-event-process-5 is required" in problems
    assert "Patient: extension patient-information-5 is required" in problems


def test_content_hash_ignores_lfpse_id_but_not_content():
    f = facts()
    first = adverse_event_build(f, map_facts(f), base=BASE, identifier_system=SYSTEM)
    update = adverse_event_build(f, map_facts(f), base=BASE, identifier_system=SYSTEM, lfpse_id="abc")
    regraded = build(physical_harm="severe")
    assert content_hash(first) == content_hash(update)
    assert content_hash(first) != content_hash(regraded)
