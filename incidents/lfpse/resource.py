"""The FHIR R4 AdverseEvent that LFPSE receives, built from an incident's facts by pure functions
and checked twice before it is queued: against the FHIR R4 models (fhir.resources, R4B package:
AdverseEvent is unchanged from R4) and against what LFPSE's profile v5 asks (profile.py)."""

import hashlib
import json

from pydantic import ValidationError

from .mapping import IncidentFacts, MappingResult, mapping
from .profile import extension_url, profile_problems, profile_url

PATIENT_ID, PRACTITIONER_ID, LOCATION_ID = "patient1", "practitioner1", "location1"


class ResourceInvalid(ValueError):
    """The built resource is not one LFPSE could accept; the message says why."""


def _sub(name: str, value) -> dict:
    if isinstance(value, bool):
        return {"url": name, "valueBoolean": value}
    if isinstance(value, int):
        return {"url": name, "valueInteger": value}
    return {"url": name, "valueCode": value}


def _extension(base: str, extension_id: str, parts: list[dict]) -> dict:
    return {"url": extension_url(base, extension_id), "extension": parts}


def _coded(codes: dict, *names: str) -> list[dict]:
    return [_sub(name, code) for name in names for code in codes.get(name, [])]


def adverse_event_build(
    facts: IncidentFacts, result: MappingResult, *, base: str, identifier_system: str, lfpse_id: str = ""
) -> dict:
    """The resource as JSON-ready data. `lfpse_id`, LFPSE's own id from an earlier acceptance, makes
    it an update of that event. Nothing here names a person: no NHS number, no names, no free text
    but the medicines' names, and an anonymous report says only that it is anonymous."""
    if result.is_held:
        raise ResourceInvalid("An incident that is held cannot be built: " + " ".join(result.held))
    constants = mapping()["constants"]
    codes = result.codes
    patient = {
        "resourceType": "Patient",
        "id": PATIENT_ID,
        "extension": [_extension(base, "patient-information-5", [
            _sub("PatientSequence", constants["PatientSequence"]["value"]),
            *_coded(codes, "PhysicalHarm", "PsychologicalHarm"),
        ])],
    }
    reporter_parts = [_sub("ReporterType", constants["ReporterType"]["code"])]
    if not facts.is_anonymous:
        reporter_parts += _coded(codes, "ReporterRole")
    reporter_parts.append(_sub("ReporterOrganisation", facts.organisation_ods))
    practitioner = {
        "resourceType": "Practitioner",
        "id": PRACTITIONER_ID,
        "extension": [_extension(base, "practitioner-details-5", reporter_parts)],
    }
    location = {
        "resourceType": "Location",
        "id": LOCATION_ID,
        "extension": [_extension(base, "location-details-5", [
            _sub("LocationKnown", constants["LocationKnown"]["code"]),
            _sub("Organisation", facts.organisation_ods),
            *_coded(codes, "ServiceArea", "LocationWithinService"),
        ])],
    }
    problem = _coded(codes, "DrugInvolvementFactors", "DrugUsedTooMuch", "DrugInsufficientDetails",
                     "InvolvedProcesses", "MedicationAdministeredIncorrectly", "ProblemMedicationPackaging")
    extensions = [
        _extension(base, "adverse-event-agent-5", [
            _sub("InvolvedAgents", constants["InvolvedAgents"]["code"]),
            *({"url": "DrugsInvolved", "valueString": name} for name in facts.medicine_names),
        ]),
        _extension(base, "adverse-event-process-5", _coded(codes, "Process")),
        *([_extension(base, "adverse-event-problem-medication-5", problem)] if problem else []),
        _extension(base, "adverse-event-governance-5", _coded(codes, "NeverEvent", "NeverEventType")),
        _extension(base, "adverse-event-reference-metadata-5", [
            {"url": "ReferenceNumber", "valueString": facts.reference},
            _sub("FromOnlineForms", constants["FromOnlineForms"]["value"]),
            _sub("IsAnonymous", facts.is_anonymous),
            _sub("DataSharingOptOut", constants["DataSharingOptOut"]["value"]),
        ]),
    ]
    resource = {
        "resourceType": "AdverseEvent",
        **({"id": lfpse_id} if lfpse_id else {}),
        "meta": {"profile": [profile_url(base)]},
        "contained": [patient, practitioner, location],
        "extension": extensions,
        "identifier": {"system": identifier_system, "value": facts.reference},
        "actuality": "actual",
        "subject": {"reference": f"#{PATIENT_ID}"},
        "date": facts.occurred_at.isoformat(),
        "location": {"reference": f"#{LOCATION_ID}"},
        "recorder": {"reference": f"#{PRACTITIONER_ID}"},
    }
    return resource


def adverse_event_validate(resource: dict, *, base: str) -> None:
    """Raise ResourceInvalid unless the resource is a valid FHIR R4 AdverseEvent that meets LFPSE's profile."""
    from fhir.resources.R4B.adverseevent import AdverseEvent  # here: ~0.1 s to import, for LFPSE only

    try:
        AdverseEvent.model_validate(resource)
    except ValidationError as error:
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()]
        raise ResourceInvalid("Not a valid FHIR R4 AdverseEvent: " + "; ".join(problems[:5])) from error
    problems = profile_problems(resource, base=base)
    if problems:
        raise ResourceInvalid("Does not meet LFPSE's profile: " + "; ".join(problems[:5]))


def content_hash(resource: dict) -> str:
    """The same content gives the same hash whatever LFPSE's id: a version is sent only when this changes."""
    body = {k: v for k, v in resource.items() if k != "id"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
