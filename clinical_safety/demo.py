"""Demo data: Riverside's EPMA with a medication hazard log, an approved safety case that a later
change put out of date, and the next one awaiting governance. Fictional throughout."""

from datetime import date

from django.db import transaction

from mso_registry.models import ClinicalSafetyTraining, Organisation, ProfessionalDetails
from users.models import User

from . import services
from .models import HealthITSystem, Standard

SYSTEM_NAME = "MedChart EPMA"


def _hazard(title, description, causes, effect, impact, existing, initial, residual, controls, justification="",
            actions="", status="open"):
    return {
        "details": {
            "title": title, "description": description, "causes": causes, "effect": effect,
            "clinical_impact": impact, "existing_controls": existing,
            "initial_severity": initial[0], "initial_likelihood": initial[1],
            "residual_severity": residual[0], "residual_likelihood": residual[1],
            "residual_justification": justification, "status": status, "actions": actions,
        },
        "controls": controls,
    }


def _control(kind, description, verification="", verified_on=None):
    return {"control_type": kind, "description": description, "verification": verification, "verified_on": verified_on}


# Scores are (severity, likelihood), each 1-5.
FIRST_RELEASE = [
    _hazard(
        "Wrong patient selected from the ward list",
        "A prescriber opens the record of a patient with a similar name in the same bay and prescribes on it.",
        "Patients with similar surnames listed together; a list sorted by bed, not name; interruptions.",
        "A medicine is prescribed on, and may be given to, the wrong patient.",
        "The patient receives a medicine not meant for them (e.g. an anticoagulant or opioid); the intended patient misses it.",
        "Patient banner shows name, date of birth and NHS number.",
        (4, 3), (4, 1),
        [
            _control("design", "Similar-name alert when two patients on a ward share a surname.",
                     "Test script TS-014 passed in the 4.1 test environment.", date(2026, 3, 2)),
            _control("training", "Prescriber induction covers the three-point identity check before prescribing.",
                     "Training records: 96% of prescribers completed by go-live.", date(2026, 3, 20)),
        ],
    ),
    _hazard(
        "Dose unit confusion between milligrams and micrograms",
        "A dose intended in micrograms is entered in milligrams (or the reverse), giving a thousand-fold error.",
        "Drop-down lists 'mg' next to 'microgram'; some products are prescribed in micrograms (e.g. digoxin, levothyroxine, fentanyl).",
        "A dose 1000 times too high or too low is prescribed.",
        "Severe toxicity or death from overdose; treatment failure from underdose.",
        "Pharmacist clinical check of new prescriptions on weekdays.",
        (5, 2), (5, 1),
        [
            _control("design", "'microgram' is always spelled in full and units are fixed per product where the dictionary allows.",
                     "Configuration review CR-22 signed off by the EPMA pharmacist.", date(2026, 2, 18)),
            _control("design", "Hard dose-range stop for digoxin, levothyroxine and fentanyl patches.",
                     "Test script TS-021 passed.", date(2026, 3, 2)),
        ],
        justification="Fixed units cannot be applied to the 4% of products that the national dictionary lists in more than "
        "one unit; the supplier's roadmap removes them in release 5. Weekday pharmacist checks remain.",
    ),
    _hazard(
        "Allergy status not displayed on the prescribing screen",
        "The allergy banner is hidden when the screen is narrow (tablets on ward rounds).",
        "Responsive layout collapses the banner; allergies recorded only as free text in the admission note.",
        "A medicine is prescribed to which the patient has a recorded allergy.",
        "Anaphylaxis or a severe allergic reaction.",
        "Allergy status must be recorded before the first prescription can be signed.",
        (4, 3), (4, 1),
        [
            _control("design", "Allergy banner fixed on every prescribing screen at every width; 'not yet recorded' shown in red.",
                     "Tested on ward tablets and desktops, TS-030.", date(2026, 3, 4)),
            _control("design", "Interruptive alert when prescribing a medicine in a recorded allergy class.",
                     "TS-031 passed with 40 allergy-class test cases.", date(2026, 3, 4)),
        ],
    ),
    _hazard(
        "Duplicate orders for the same medicine",
        "Paracetamol is prescribed once from the admission order set and again as a separate 'when required' order.",
        "Order sets add regular analgesia; duplicate checking compares product, not ingredient.",
        "Two active orders for the same ingredient.",
        "Paracetamol overdose and liver injury, particularly in patients under 50 kg.",
        "Nursing staff check the chart before giving 'when required' doses.",
        (3, 4), (3, 2),
        [
            _control("design", "Duplicate-ingredient warning across regular and 'when required' orders.",
                     "TS-035 passed.", date(2026, 3, 6)),
            _control("business_process", "Order sets reviewed by the Medicines Optimisation Group to remove default analgesia.",
                     "MOG minutes, 12 February 2026.", date(2026, 2, 12)),
        ],
    ),
    _hazard(
        "No access to drug charts during system downtime",
        "Planned or unplanned downtime leaves wards without the current drug chart.",
        "Network or server failure; planned upgrades.",
        "Doses are omitted, delayed or duplicated while the system is unavailable.",
        "Missed time-critical medicines (e.g. Parkinson's medicines, insulin, antimicrobials).",
        "IT service desk escalation for outages.",
        (4, 2), (4, 1),
        [
            _control("business_process", "Downtime procedure: read-only drug charts printed every 4 hours to each ward's business continuity PC.",
                     "Downtime drill on wards 6 and 9, 5 March 2026.", date(2026, 3, 5)),
            _control("training", "Ward staff trained in the paper downtime chart and back-entry after recovery.",
                     "", None),
        ],
        actions="Complete downtime training on the remaining surgical wards.",
    ),
    _hazard(
        "Insulin prescribed with the abbreviation 'U' or 'IU'",
        "Free-text dose instructions allow 'U' or 'IU' for units, which can be misread as a zero or as 'IV'.",
        "Free-text field available on all orders; habit from paper charts.",
        "A tenfold insulin overdose is given, or insulin is given intravenously.",
        "Severe hypoglycaemia, brain injury or death (a Never Event).",
        "Trust insulin policy forbids abbreviations.",
        (5, 2), (5, 1),
        [
            _control("design", "Insulin orders use structured dosing only, with 'units' fixed; free text disabled for insulins.",
                     "TS-040 passed; configuration locked by the supplier.", date(2026, 3, 9)),
        ],
        justification="The residual likelihood cannot be removed while variable-rate insulin infusions are prescribed on the "
        "paper protocol, which the diabetes team is replacing in 2027.",
    ),
    _hazard(
        "Weekly methotrexate scheduled daily",
        "Oral methotrexate for rheumatoid arthritis or psoriasis is prescribed with a daily frequency.",
        "Default frequency is 'once daily' for all tablets.",
        "Methotrexate is given daily instead of once weekly.",
        "Bone marrow suppression and death (a Never Event).",
        "Pharmacist check on weekdays.",
        (5, 2), (5, 1),
        [
            _control("design", "Oral methotrexate can only be prescribed weekly, with the day of the week required.",
                     "TS-044 passed.", date(2026, 3, 9)),
            _control("design", "Folic acid order prompt with a different day of the week.", "TS-045 passed.", date(2026, 3, 9)),
        ],
        justification="Residual risk from transcription of home medicines by non-pharmacy staff at weekends; medicines "
        "reconciliation within 24 hours is already in place and a weekend pharmacy service is not affordable this year.",
    ),
    _hazard(
        "Omitted or delayed time-critical medicines not flagged",
        "The administration round view does not distinguish time-critical doses from the rest.",
        "All due doses shown alike; no escalation when a dose is overdue.",
        "Time-critical doses are given late or missed.",
        "Deterioration, e.g. rigidity in Parkinson's disease, hyperglycaemia, sepsis progression.",
        "Ward pharmacist reviews omitted doses on weekdays.",
        (3, 3), (3, 2),
        [
            _control("design", "Time-critical medicines flagged with a clock icon and overdue after 30 minutes.",
                     "TS-050 passed.", date(2026, 3, 10)),
        ],
    ),
]

SECOND_RELEASE = [
    _hazard(
        "Discontinued orders not sent to the pharmacy stock system",
        "The interface to the pharmacy stock system drops discontinuation messages when the queue is full.",
        "Interface engine queue limit; no alert when messages are dropped.",
        "Pharmacy continues to supply a stopped medicine to the ward.",
        "A stopped medicine stays in the ward stock and may be given in error.",
        "Ward stock reviewed weekly by pharmacy technicians.",
        (2, 3), (2, 2),
        [
            _control("design", "Interface queue monitored; an alert goes to the integration team when a message fails.",
                     "Interface test IT-07 passed.", date(2026, 9, 1)),
        ],
    ),
    _hazard(
        "Renal function not shown when prescribing renally cleared medicines",
        "The latest eGFR and creatinine are not displayed when prescribing, for example, gentamicin or enoxaparin.",
        "Results are in the laboratory system and not pulled into the prescribing screen.",
        "A dose is not adjusted for renal impairment.",
        "Accumulation and toxicity: acute kidney injury, bleeding.",
        "Pharmacist clinical check on weekdays.",
        (3, 3), (3, 2),
        [
            _control("design", "Latest eGFR and creatinine (with date) shown on the prescribing screen for 120 renally cleared medicines.",
                     "", None),
        ],
        actions="Verify the renal results panel in the 4.2 test environment (TS-061).",
    ),
]


def _make_fit_to_sign(cso: User) -> None:
    details, _ = ProfessionalDetails.objects.get_or_create(user=cso)
    if not details.is_registered:
        details.registration_body, details.registration_number = "gphc", "2071234"
        details.job_title = details.job_title or "Lead Pharmacist, Digital Medicines and Clinical Safety Officer"
        details.profession = details.profession or "pharmacist"
        details.save()
    if not ClinicalSafetyTraining.objects.filter(user=cso).exists():
        ClinicalSafetyTraining.objects.create(
            user=cso, course="Clinical Risk Management: DCB0129 and DCB0160 (2 days)", provider="NHS England",
            completed_on=date(2024, 11, 14), evidence_note="Certificate held in the digital team's training folder.",
        )


def _add(system, cso, hazards):
    for entry in hazards:
        hazard = services.hazard_create(actor=cso, system=system, details={**entry["details"], "owner": cso})
        for control in entry["controls"]:
            services.hazard_control_add(actor=cso, hazard=hazard, details=control)


def seed(*, password: str | None = None) -> None:
    """Create Riverside's EPMA and its clinical safety records unless they are there already."""
    riverside = Organisation.objects.filter(ods_code="R9R").first()
    cso = User.objects.filter(email="cso@riverside.example").first()
    governance = User.objects.filter(email="governance@riverside.example").first()
    if riverside is None or cso is None or governance is None:
        return
    if HealthITSystem.objects.filter(organisation=riverside, name=SYSTEM_NAME).exists():
        return
    with transaction.atomic():
        _make_fit_to_sign(cso)
        system = services.system_create(
            actor=cso, organisation=riverside,
            details={
                "name": SYSTEM_NAME, "manufacturer": "Example Health Systems Ltd", "version": "4.2",
                "standard": Standard.DCB0160,
                "intended_use": "Electronic prescribing and medicines administration (EPMA) for adult inpatients: "
                "prescribing, pharmacist clinical check, administration recording and discharge medicines.",
                "clinical_scope": "All adult inpatient wards at Riverside, excluding critical care and paediatrics. "
                "Used by prescribers, pharmacists, pharmacy technicians, nurses and midwives.",
                "cso": cso,
            },
        )
        _add(system, cso, FIRST_RELEASE)
        first_log = services.hazard_log_issue(actor=cso, system=system, note="Hazard log for the 4.1 go-live.")
        first_case = services.safety_case_draft(
            actor=cso, system=system,
            details={
                "release": "Version 4.1 go-live, adult wards",
                "scope": "Deployment of MedChart EPMA 4.1 to the 24 adult inpatient wards.",
                "intended_use": system.intended_use,
                "hazard_log_version": first_log,
                "outstanding_actions": "Downtime training on surgical wards (H-005).",
                "conclusion": "With the controls listed, every identified hazard is reduced to an acceptable level or as far "
                "as is practicable. MedChart EPMA 4.1 is acceptably safe to deploy to the adult wards.",
            },
        )
        services.safety_case_submit(actor=cso, report=first_case)
        services.safety_case_approve(
            actor=governance, report=first_case, comments="Approved by the Digital Clinical Safety Group, 20 March 2026."
        )
        # The 4.2 upgrade brings new interfaces: new hazards, so the approved case goes out of date.
        _add(system, cso, SECOND_RELEASE)
        second_log = services.hazard_log_issue(
            actor=cso, system=system, note="Adds H-009 and H-010 for the 4.2 upgrade (pharmacy and laboratory interfaces)."
        )
        second_case = services.safety_case_draft(
            actor=cso, system=system,
            details={
                "release": "Version 4.2 upgrade",
                "scope": "Upgrade of MedChart EPMA from 4.1 to 4.2 on all adult wards, with the new pharmacy stock and "
                "laboratory results interfaces.",
                "intended_use": system.intended_use,
                "hazard_log_version": second_log,
                "outstanding_actions": "Verify the renal results panel (H-010) before go-live; downtime training (H-005).",
                "conclusion": "Subject to the outstanding verification of H-010, MedChart EPMA 4.2 is acceptably safe to deploy.",
            },
        )
        services.safety_case_submit(actor=cso, report=second_case)
