"""What LFPSE's profile patient-safety-adverse-event-5 asks of a submission, as far as the public
taxonomy shows it (taxonomy_v5.json): its extensions, their elements, types, cardinality and codes.
Used before a resource is queued, and by the local stand-in to answer as LFPSE would."""

from collections import Counter

from .mapping import taxonomy

PROFILE_ID = "patient-safety-adverse-event-5"
VALUE_KEYS = {"Code": "valueCode", "Integer": "valueInteger", "Boolean": "valueBoolean", "String": "valueString"}
# Where each extension may appear; those marked required must be there.
PLACES = {
    "patient-information-5": "Patient",
    "practitioner-details-5": "Practitioner",
    "location-details-5": "Location",
}
REQUIRED_ROOT = ("adverse-event-process-5",)


def profile_url(base: str) -> str:
    return f"{base.rstrip('/')}/StructureDefinition/{PROFILE_ID}"


def extension_url(base: str, extension_id: str) -> str:
    return f"{base.rstrip('/')}/StructureDefinition/{extension_id}"


def _extension_problems(extension: dict, *, base: str, place: str) -> list[str]:
    prefix = extension_url(base, "")
    url = extension.get("url", "")
    extension_id = url[len(prefix):] if url.startswith(prefix) else ""
    definition = taxonomy()["extensions"].get(extension_id)
    if definition is None:
        return [f"{place}: unknown extension {url!r}"]
    expected_place = PLACES.get(extension_id, "AdverseEvent")
    if expected_place != place:
        return [f"{place}: extension {extension_id} belongs on {expected_place}"]
    problems = []
    parts = extension.get("extension") or []
    counts = Counter(part.get("url") for part in parts)
    for part in parts:
        name = part.get("url")
        element = definition.get(name)
        if element is None:
            problems.append(f"{extension_id}: unknown element {name!r}")
            continue
        key = VALUE_KEYS.get(element["type"])
        values = [k for k in part if k.startswith("value")]
        if values != [key]:
            problems.append(f"{extension_id}.{name}: expected {key}, got {', '.join(values) or 'no value'}")
            continue
        value_set = element.get("value_set")
        if value_set and value_set in taxonomy()["value_sets"] and str(part[key]) not in taxonomy()["value_sets"][value_set]:
            problems.append(f"{extension_id}.{name}: code {part[key]!r} is not in {value_set}")
        if value_set == "ods-codes-5" and not str(part[key]).strip():
            problems.append(f"{extension_id}.{name}: an ODS code is needed")
    for name, element in definition.items():
        if counts[name] < (element["min"] or 0):
            problems.append(f"{extension_id}.{name} is required")
        if element["max"] is not None and counts[name] > element["max"]:
            problems.append(f"{extension_id}.{name}: at most {element['max']}")
    return problems


def profile_problems(resource: dict, *, base: str) -> list[str]:
    """Every way the resource falls short of the profile, in words; empty when it meets it."""
    problems = []
    if resource.get("resourceType") != "AdverseEvent":
        return ["resourceType must be AdverseEvent"]
    if profile_url(base) not in (resource.get("meta") or {}).get("profile", []):
        problems.append(f"meta.profile must declare {profile_url(base)}")
    contained = {c.get("id"): c for c in resource.get("contained") or []}
    subject = (resource.get("subject") or {}).get("reference", "")
    recorder = (resource.get("recorder") or {}).get("reference", "")
    patient = contained.get(subject.lstrip("#")) if subject.startswith("#") else None
    practitioner = contained.get(recorder.lstrip("#")) if recorder.startswith("#") else None
    if not patient or patient.get("resourceType") != "Patient":
        problems.append("subject must reference a contained Patient")
    if not practitioner or practitioner.get("resourceType") != "Practitioner":
        problems.append("recorder must reference a contained Practitioner")
    for item in contained.values():
        place = item.get("resourceType", "")
        if place == "Patient" and any(k in item for k in ("identifier", "name", "telecom", "address", "birthDate")):
            problems.append("Patient: no identifier, name, contact details or birth date may be sent")
        if place == "Practitioner" and any(k in item for k in ("identifier", "name", "telecom")):
            problems.append("Practitioner: no identifier, name or contact details may be sent")
        for extension in item.get("extension") or []:
            problems += _extension_problems(extension, base=base, place=place)
    root_ids = []
    for extension in resource.get("extension") or []:
        problems += _extension_problems(extension, base=base, place="AdverseEvent")
        root_ids.append(extension.get("url", "").rsplit("/", 1)[-1])
    for required in REQUIRED_ROOT:
        if required not in root_ids:
            problems.append(f"extension {required} is required")
    for kind, wanted in (("Patient", "patient-information-5"), ("Practitioner", "practitioner-details-5")):
        item = patient if kind == "Patient" else practitioner
        if item and not any(e.get("url", "").endswith("/" + wanted) for e in item.get("extension") or []):
            problems.append(f"{kind}: extension {wanted} is required")
    return problems
