"""Our choices to LFPSE codes, read from the versioned data file (mapping_v5.json). Pure: facts in,
codes or the reasons an incident must be held out."""

import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAPPING_FILE = HERE / "mapping_v5.json"
TAXONOMY_FILE = HERE / "taxonomy_v5.json"

MAPPED, HELD, OMITTED = "mapped", "held", "omitted"


@cache
def mapping() -> dict:
    return json.loads(MAPPING_FILE.read_text())


@cache
def taxonomy() -> dict:
    return json.loads(TAXONOMY_FILE.read_text())


@dataclass(frozen=True)
class IncidentFacts:
    """What a submission is built from: the incident as LFPSE may see it (no NHS number, no names,
    no free text but the medicines' names)."""

    reference: str
    occurred_at: datetime
    stage: str
    error_types: tuple[str, ...]
    physical_harm: str
    psychological_harm: str
    never_event: str
    medicine_names: tuple[str, ...]
    is_anonymous: bool
    organisation_ods: str
    organisation_type: str = ""
    reporter_profession: str = ""  # always "" for an anonymous report
    contributing_factors: tuple[str, ...] = ()
    routes: tuple[str, ...] = ()
    ncc_merp_category: str = ""


@dataclass(frozen=True)
class MappingResult:
    codes: dict = field(default_factory=dict)  # LFPSE element name -> list of codes (or booleans)
    held: tuple[str, ...] = ()  # one sentence per value with no LFPSE code

    @property
    def is_held(self) -> bool:
        return bool(self.held)


# Which fact carries each mapped field, and how a person names the field.
_FIELDS = {
    "stage": ("stage", "stage"),
    "error_types": ("error_types", "what went wrong"),
    "physical_harm": ("physical_harm", "physical harm"),
    "psychological_harm": ("psychological_harm", "psychological harm"),
    "never_event": ("never_event", "Never Event"),
    "contributing_factors": ("contributing_factors", "what contributed"),
    "route": ("routes", "route"),
    "ncc_merp_category": ("ncc_merp_category", "NCC MERP category"),
    "organisation_type": ("organisation_type", "organisation type"),
    "reporter_profession": ("reporter_profession", "reporter's profession"),
}


def value_entry(field_name: str, value: str) -> dict | None:
    return mapping()["fields"][field_name]["values"].get(value)


def map_facts(facts: IncidentFacts, *, labels: dict | None = None) -> MappingResult:
    """Every fact's value is looked up; a value with no entry, or one marked held, holds the incident.
    `labels` ({field: {value: label}}) lets the message use the words the form showed."""
    labels = labels or {}
    codes: dict[str, list] = {}
    held: list[str] = []
    for field_name, (attribute, noun) in _FIELDS.items():
        raw = getattr(facts, attribute)
        values = list(raw) if isinstance(raw, tuple) else [raw]
        for value in values:
            entry = value_entry(field_name, value)
            label = labels.get(field_name, {}).get(value, value or "not given")
            if entry is None:
                held.append(f"no LFPSE code for {noun} “{label}”: it is not in mapping {mapping()['mapping_version']}.")
            elif entry["status"] == HELD:
                held.append(f"no LFPSE code for {noun} “{label}”: {entry['reason']}")
            elif entry["status"] == MAPPED:
                for element, element_codes in entry["codes"].items():
                    bucket = codes.setdefault(element, [])
                    bucket.extend(c for c in element_codes if c not in bucket)
    return MappingResult(codes=codes, held=tuple(held))
