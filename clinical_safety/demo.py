"""Demo data: Riverside's EPMA with a 20-hazard medication hazard log, the approved safety case for
the 4.1 go-live that the 4.2 hazards put out of date, and the draft case for 4.2. Fictional throughout."""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from mso_registry.models import ClinicalSafetyTraining, Organisation, ProfessionalDetails
from mso_registry.services import cso_registration_verify, cso_training_verify
from users.models import User

from . import services
from .models import HazardStatus, HealthITSystem, Standard

SYSTEM_NAME = "MedChart EPMA"


def _hazard(title, description, causes, effect, impact, existing, initial, residual, controls, justification="",
            actions="", status=HazardStatus.OPEN, review_in_days=180):
    return {
        "review_in_days": review_in_days,
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
    _hazard(
        "Patient weight missing or out of date for weight-based doses",
        "Gentamicin, enoxaparin and paracetamol doses are calculated from a weight recorded months earlier or estimated.",
        "Weight carried forward from a previous admission; no prompt to reweigh; estimated weights not marked as such.",
        "A weight-based dose is calculated on the wrong weight.",
        "Overdose (nephrotoxicity, bleeding, liver injury) or underdose (treatment failure).",
        "Nursing admission assessment includes a weight.",
        (4, 3), (4, 1),
        [
            _control("design", "Weight and its date shown beside every weight-based dose; a weight over 7 days old must be confirmed.",
                     "TS-052 passed.", date(2026, 3, 10)),
            _control("business_process", "Weigh on admission and weekly, recorded in the nursing metrics audit.",
                     "Nursing metrics audit, March 2026: 92% compliance.", date(2026, 3, 31)),
        ],
    ),
    _hazard(
        "'When required' order without a maximum dose in 24 hours",
        "A 'when required' opioid or sedative is prescribed with no maximum daily dose or minimum interval.",
        "Maximum dose field optional; free-text directions accepted.",
        "Doses are given more often than intended.",
        "Opioid toxicity, respiratory depression or oversedation.",
        "Pharmacist clinical check on weekdays.",
        (3, 3), (3, 2),
        [
            _control("design", "Maximum dose in 24 hours and minimum interval mandatory for 'when required' opioids, benzodiazepines and antipsychotics.",
                     "TS-054 passed.", date(2026, 3, 11)),
        ],
    ),
    _hazard(
        "Home medicines not reconciled on admission",
        "Medicines the patient takes at home are not all transcribed, or are transcribed with the wrong dose.",
        "GP record not available out of hours; patients unsure of their medicines; admission at night.",
        "A regular medicine is omitted or given at the wrong dose during the admission.",
        "Withdrawal effects, loss of disease control (e.g. epilepsy, Parkinson's disease).",
        "Pharmacy medicines reconciliation on weekdays.",
        (4, 3), (4, 1),
        [
            _control("design", "Summary Care Record medicines shown in the admission workflow with a 'reconciled by' field.",
                     "TS-056 passed; SCR access tested with live smartcards.", date(2026, 3, 12)),
            _control("business_process", "Reconciliation within 24 hours tracked on the pharmacy dashboard.",
                     "Pharmacy KPI report, March 2026.", date(2026, 3, 31)),
        ],
    ),
    _hazard(
        "Administration recorded without barcode scanning",
        "Nurses record a dose as given without scanning the patient's wristband and the medicine.",
        "Scanners not charged or missing; wristbands unreadable; scanning skipped under pressure.",
        "Wrong medicine, dose or patient at administration is not caught.",
        "A wrong medicine or dose given to a patient.",
        "Two-person check for controlled drugs and intravenous medicines.",
        (4, 3), (4, 2),
        [
            _control("design", "A reason is required to record a dose without scanning; override rates reported per ward.",
                     "TS-058 passed; the report reviewed by the Medication Safety Officer.", date(2026, 3, 13)),
            _control("training", "Barcode scanning competency for all registered nurses.",
                     "Competency records: 89% at go-live.", date(2026, 3, 20)),
        ],
        justification="Scanning cannot be enforced without exception: wristbands fail and emergencies cannot wait. "
        "Overrides are audited monthly by the Medication Safety Officer.",
        actions="Raise scanning competency to 95% by the end of the quarter.",
        review_in_days=-10,
    ),
    _hazard(
        "Interaction alerts overridden because of alert fatigue",
        "Prescribers see many low-value interaction alerts and override the important ones with them.",
        "The supplier's default interaction set shows every interaction at the same level.",
        "A clinically important interaction (e.g. clarithromycin with simvastatin) is prescribed.",
        "Rhabdomyolysis, QT prolongation, bleeding or serotonin syndrome.",
        "Pharmacist clinical check on weekdays.",
        (4, 4), (4, 2),
        [
            _control("design", "Interaction alerts cut to the 'severe' set agreed by the Medicines Optimisation Group; those interrupt, the rest are passive.",
                     "Configuration review CR-31; override rate fell from 93% to 41% in the pilot.", date(2026, 2, 27)),
        ],
        justification="Some alerts must remain and some will be overridden; a further cut would hide interactions the "
        "Medicines Optimisation Group judged severe. Override reasons are reviewed quarterly.",
    ),
    _hazard(
        "Discharge prescription does not reflect changes made in hospital",
        "The discharge prescription is built from the admission list rather than the current inpatient chart.",
        "Discharge workflow copies home medicines by default.",
        "A stopped medicine is restarted at home or a new one is left off the discharge letter.",
        "Harm after discharge, e.g. an anticoagulant stopped for bleeding restarted by the GP.",
        "Pharmacist screens discharge prescriptions.",
        (3, 3), (3, 2),
        [
            _control("design", "Discharge prescription starts from the current chart and lists every change with its reason.",
                     "TS-063 passed.", date(2026, 3, 14)),
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
    _hazard(
        "Laboratory results filed against the wrong patient after a record merge",
        "When two hospital numbers are merged, results received during the merge are filed against the retired number.",
        "Interface matches on hospital number only; merges happen while results are in flight.",
        "The prescriber sees another patient's results, or none, when choosing a dose.",
        "A renally cleared or narrow-therapeutic-index medicine dosed on the wrong results.",
        "Record merges are done by the patient records team out of hours.",
        (5, 2), (5, 1),
        [
            _control("design", "Results matched on NHS number and hospital number; a mismatch goes to a work queue, not the record.",
                     "Interface test IT-11 passed.", date(2026, 9, 3)),
        ],
        justification="Merges cannot be avoided and the remaining window (results held in the work queue) is "
        "reviewed hourly by the laboratory; the manufacturer's release 5 removes it.",
    ),
    _hazard(
        "Infusion pump drug library out of step with EPMA infusion orders",
        "A concentration on the EPMA infusion order differs from the pump library entry for the same medicine.",
        "The pump library and EPMA formulary are maintained by different teams.",
        "The pump is programmed with a different concentration from the one prescribed.",
        "Over- or under-infusion of, for example, heparin, insulin or noradrenaline.",
        "Two-person check when starting an infusion.",
        (4, 3), (4, 1),
        [
            _control("business_process", "One infusion library owner; EPMA and pump library changes released together after pharmacy sign-off.",
                     "Library reconciliation report, 10 September 2026: no differences.", date(2026, 9, 10)),
        ],
    ),
    _hazard(
        "Controlled drug discharge prescription without the total quantity in words and figures",
        "The printed discharge prescription for a Schedule 2 or 3 controlled drug lacks the total quantity in words.",
        "Print template not updated for controlled drugs in 4.2.",
        "The community pharmacy cannot supply and the patient leaves without their medicine.",
        "Uncontrolled pain or withdrawal after discharge.",
        "Ward pharmacists check controlled drug discharges.",
        (2, 3), (2, 2),
        [
            _control("test", "Print template tested for every controlled drug schedule.", "", None),
        ],
        actions="Complete print template test TS-070 before go-live.",
    ),
    _hazard(
        "Unsigned order lost when the session times out",
        "A prescriber is interrupted; the session times out and the unsigned order is discarded without warning.",
        "15-minute inactivity timeout on shared ward computers.",
        "The prescriber believes the medicine is prescribed when it is not.",
        "Omitted or delayed doses, including time-critical medicines.",
        "None.",
        (3, 3), (3, 1),
        [
            _control("design", "Unsigned orders are kept as drafts and shown to the prescriber at the next sign-in.",
                     "TS-072 passed.", date(2026, 9, 15)),
        ],
        review_in_days=-3,
    ),
]


def _make_fit_to_sign(cso: User, governance: User) -> None:
    """The CSO's registration and training, recorded by them and verified by Riverside's governance team."""
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
    if not details.registration_verified:
        cso_registration_verify(actor=governance, person=cso, seen_claim=details.registration_claim)
    if not any(course.is_verified for course in cso.clinical_safety_training.all()):
        course = cso.clinical_safety_training.first()
        cso_training_verify(actor=governance, training=course, seen_claim=course.claim)


def _add(system, cso, hazards):
    today = timezone.localdate()
    for entry in hazards:
        review_date = today + timedelta(days=entry["review_in_days"])
        hazard = services.hazard_create(
            actor=cso, system=system, details={**entry["details"], "owner": cso, "review_date": review_date}
        )
        for control in entry["controls"]:
            services.hazard_control_add(actor=cso, hazard=hazard, details=control)


def seed(*, password: str | None = None) -> None:
    """Create Riverside's EPMA and its clinical safety records unless they are there already."""
    riverside = Organisation.objects.filter(ods_code="R9R").first()
    cso = User.objects.filter(email="cso@riverside.example").first()
    governance = User.objects.filter(email="governance@riverside.example").first()
    if riverside is None or cso is None or governance is None:
        return
    with transaction.atomic():
        # Also on a database seeded before claims needed verifying, so that the demo CSO can still sign.
        _make_fit_to_sign(cso, governance)
    if HealthITSystem.objects.filter(organisation=riverside, name=SYSTEM_NAME).exists():
        return
    with transaction.atomic():
        system = services.system_create(
            actor=cso, organisation=riverside,
            details={
                "name": SYSTEM_NAME, "manufacturer": "Example Health Systems Ltd", "version": "4.1",
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
                "outstanding_actions": "Downtime training on surgical wards (H-005); scanning competency to 95% (H-012).",
                "conclusion": "With the controls listed, every identified hazard is reduced to an acceptable level or as far "
                "as is practicable. MedChart EPMA 4.1 is acceptably safe to deploy to the adult wards.",
            },
        )
        services.safety_case_submit(actor=cso, report=first_case)
        services.safety_case_approve(
            actor=governance, report=first_case, comments="Approved by the Digital Clinical Safety Group, 20 March 2026."
        )
        # The 4.2 upgrade brings new interfaces: new hazards, so the approved case goes out of date.
        details = {field: getattr(system, field) for field in services.SYSTEM_FIELDS}
        system = services.system_update(actor=cso, system=system, details={**details, "version": "4.2"})
        _add(system, cso, SECOND_RELEASE)
        second_log = services.hazard_log_issue(
            actor=cso, system=system,
            note="Adds H-015 to H-020 for the 4.2 upgrade: pharmacy and laboratory interfaces, infusion library, "
            "controlled drug printing and session timeouts.",
        )
        # The 4.2 case stays a draft: the CSO is still closing its gaps (H-016, H-019) before signing it.
        services.safety_case_draft(
            actor=cso, system=system,
            details={
                "release": "Version 4.2 upgrade",
                "scope": "Upgrade of MedChart EPMA from 4.1 to 4.2 on all adult wards, with the new pharmacy stock and "
                "laboratory results interfaces.",
                "intended_use": system.intended_use,
                "hazard_log_version": second_log,
                "outstanding_actions": "Verify the renal results panel (H-016) and the controlled drug print template "
                "(H-019) before go-live; downtime training on surgical wards (H-005).",
                "conclusion": "Subject to the outstanding verification of H-016 and H-019, MedChart EPMA 4.2 is "
                "acceptably safe to deploy.",
            },
        )
