"""The mapping never invents a code: every value of every choice is mapped with its source, held
with a reason, or omitted with a reason, and every mapped code is in LFPSE's published taxonomy."""

from django import forms

from incidents.forms import GradeForm, IncidentReportForm, MedicineForm
from incidents.lfpse.mapping import HELD, MAPPED, OMITTED, IncidentFacts, map_facts, mapping, taxonomy
from mso_registry.models import OrganisationType, Profession

# Each choice field of the forms and the mapping entry that covers it. A new choice field fails the
# test until it is added here and to mapping_v5.json.
FORM_FIELDS = {
    "stage": "stage",
    "error_types": "error_types",
    "physical_harm": "physical_harm",
    "psychological_harm": "psychological_harm",
    "never_event": "never_event",
    "contributing_factors": "contributing_factors",
    "route": "route",
    "ncc_merp_category": "ncc_merp_category",
}


def _choice_fields():
    from mso_registry.models import Organisation

    for form in (IncidentReportForm(organisations=Organisation.objects.none()), MedicineForm(), GradeForm()):
        for name, field in form.fields.items():
            if isinstance(field, forms.ModelChoiceField | forms.ModelMultipleChoiceField):
                continue
            if isinstance(field, forms.ChoiceField):
                yield type(form).__name__, name, [str(value) for value, _ in field.choices]


def test_every_choice_of_every_form_is_mapped_held_or_omitted():
    missing = []
    for form_name, name, values in _choice_fields():
        key = FORM_FIELDS.get(name)
        if key is None:
            missing.append(f"{form_name}.{name}: no mapping field")
            continue
        entries = mapping()["fields"][key]["values"]
        missing += [f"{form_name}.{name}={value!r}" for value in values if value not in entries]
    assert not missing, f"add these to incidents/lfpse/mapping_v5.json: {missing}"


def test_organisation_types_and_professions_are_mapped_held_or_omitted():
    fields = mapping()["fields"]
    assert set(OrganisationType.values) <= set(fields["organisation_type"]["values"])
    assert {"", *Profession.values} <= set(fields["reporter_profession"]["values"])


def _element_value_set(element: str) -> str | None:
    for extension in taxonomy()["extensions"].values():
        if element in extension:
            return extension[element].get("value_set") or ""
    return None


def test_every_mapped_code_is_in_lfpse_taxonomy_and_names_its_source():
    sources = set(mapping()["sources"])
    problems = []
    for field_name, field in mapping()["fields"].items():
        for value, entry in field["values"].items():
            where = f"{field_name}={value!r}"
            assert entry["status"] in (MAPPED, HELD, OMITTED), where
            if entry["status"] != MAPPED:
                if not entry.get("reason", "").strip():
                    problems.append(f"{where}: a held or omitted value needs its reason")
                continue
            if not any(entry.get("source", "").startswith(s) for s in sources):
                problems.append(f"{where}: source must start with one of {sorted(sources)}")
            for element, codes in entry["codes"].items():
                value_set = _element_value_set(element)
                if value_set is None:
                    problems.append(f"{where}: {element} is not an element of the taxonomy")
                elif value_set:
                    allowed = taxonomy()["value_sets"][value_set]
                    problems += [f"{where}: {element} code {c!r} not in {value_set}" for c in codes if c not in allowed]
    assert not problems, problems


def facts(**overrides) -> IncidentFacts:
    from datetime import UTC, datetime

    values = dict(
        reference="MI-2026-000001", occurred_at=datetime(2026, 3, 1, 9, 30, tzinfo=UTC), stage="administering",
        error_types=("overdose",), physical_harm="moderate", psychological_harm="low", never_event="",
        medicine_names=("Insulin aspart",), is_anonymous=False, organisation_ods="R9R",
        organisation_type="nhs_trust", reporter_profession="nurse",
    )
    values.update(overrides)
    return IncidentFacts(**values)


def test_a_mapped_incident_gets_its_codes():
    result = map_facts(facts())
    assert not result.is_held
    assert result.codes["Process"] == ["6"]
    assert result.codes["DrugUsedTooMuch"] == ["1"]
    assert result.codes["PhysicalHarm"] == ["3"] and result.codes["PsychologicalHarm"] == ["3"]
    assert result.codes["NeverEvent"] == [False]
    assert result.codes["ReporterRole"] == ["5"]
    assert "ServiceArea" not in result.codes  # an NHS trust's service type is not certain: omitted


def test_a_held_value_holds_the_incident_and_says_which():
    result = map_facts(facts(stage="transcribing", error_types=("wrong_rate", "overdose")),
                       labels={"stage": {"transcribing": "Transcribing"}, "error_types": {"wrong_rate": "Wrong rate"}})
    assert result.is_held
    assert len(result.held) == 2
    assert result.held[0].startswith("no LFPSE code for stage “Transcribing”")
    assert "Wrong rate" in result.held[1]


def test_a_value_missing_from_the_mapping_holds_the_incident():
    result = map_facts(facts(error_types=("a_new_choice",)))
    assert result.is_held and "not in mapping" in result.held[0]


def test_codes_shared_by_two_values_are_sent_once():
    result = map_facts(facts(error_types=("wrong_route", "wrong_medicine")))
    assert result.codes["DrugInvolvementFactors"] == ["3"]
    assert sorted(result.codes["MedicationAdministeredIncorrectly"]) == ["1", "3"]
