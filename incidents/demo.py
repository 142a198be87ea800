"""Demo medication incidents: a year of varied reports for Riverside and Hillside, some
escalated, some closed with learning, and a few made through the services so that the demo
people have something to act on. Bulk-inserted, so a large size loads quickly for benchmarks."""

import os
import random
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from mso_registry.models import Organisation, Role, RoleAssignment
from users.models import User

from . import demo_responses, services
from .models import (
    HARM_RANK,
    ErrorType,
    Escalation,
    IncidentAction,
    IncidentErrorType,
    IncidentMedicine,
    LearningBulletin,
    MedicationIncident,
    NCCMERPCategory,
    Route,
    Stage,
    Status,
)
from .references import reference_format, reference_numbers_take
from .rules import facts_of, red_flags
from .summary import summary_rebuild
from .validators import is_known_high_alert_medicine

DEPARTMENTS = {
    "R9R": ["Ward 7 (Acute Medicine)", "Ward 12 (Surgery)", "Emergency Department", "Intensive Care Unit",
            "Pharmacy Dispensary", "Paediatrics", "Maternity", "Day Oncology"],
    "R9H": ["Cedar Ward (Older Adults)", "Willow Ward (Acute Mental Health)", "Community Nursing North",
            "Community Nursing South", "Crisis Team", "Pharmacy"],
}
MEDICINES = [
    ("Insulin aspart", Route.SUBCUTANEOUS, "10 units"), ("Enoxaparin", Route.SUBCUTANEOUS, "40 mg"),
    ("Morphine sulfate", Route.ORAL, "10 mg"), ("Paracetamol", Route.ORAL, "1 g"), ("Amoxicillin", Route.ORAL, "500 mg"),
    ("Gentamicin", Route.IV, "5 mg/kg"), ("Apixaban", Route.ORAL, "5 mg"), ("Warfarin", Route.ORAL, "3 mg"),
    ("Methotrexate", Route.ORAL, "10 mg weekly"), ("Potassium chloride 15%", Route.IV, "20 mmol"),
    ("Oxycodone", Route.ORAL, "5 mg"), ("Levetiracetam", Route.ORAL, "500 mg"), ("Clozapine", Route.ORAL, "100 mg"),
    ("Lithium carbonate", Route.ORAL, "400 mg"), ("Vancomycin", Route.IV, "1 g"), ("Midazolam", Route.IV, "2 mg"),
    ("Furosemide", Route.ORAL, "40 mg"), ("Salbutamol", Route.INHALED, "2.5 mg"),
]
DESCRIPTIONS = [
    "Dose given later than prescribed because the ward was short of stock.",
    "Prescription chart showed two different strengths; the wrong one was selected.",
    "Patient received a dose that had already been given on the previous shift.",
    "Allergy recorded on the electronic record but not on the paper chart.",
    "Infusion pump programmed at the wrong rate; noticed at the next check.",
    "Look-alike packaging led to the wrong medicine being picked in the dispensary.",
    "Discharge medicines did not match the final prescription.",
    "Monitoring bloods not taken before the next dose was due.",
]
LEARNING = [
    "Shared at the Medication Safety Committee; double-check added to the ward's administration checklist.",
    "Stock levels reviewed with pharmacy; top-up list updated.",
    "Look-alike products separated on the shelves and shelf labels changed.",
    "Teaching session for new starters on the electronic prescribing system.",
]
NAMED_STORY = "Morning levetiracetam dose missed because it was out of stock on the ward."
HARM_WEIGHTS = [("none", 58), ("low", 27), ("moderate", 10), ("severe", 4), ("fatal", 1)]


def _person(email: str) -> User | None:
    return User.objects.filter(email=email).first()


def seed(*, size: int | None = None) -> int:
    """Create demo incidents if the demo trusts have none; returns how many were made.
    `size` (or DEMO_INCIDENTS in the environment) is the number per trust, 300 by default."""
    size = size if size is not None else int(os.environ.get("DEMO_INCIDENTS", "300"))
    made = 0
    for code in DEPARTMENTS:
        organisation = Organisation.objects.filter(ods_code=code).first()
        if organisation is None or organisation.incidents.exists():
            continue
        made += _bulk_year(organisation, size=size, rng=random.Random(code))
    made += _stories()
    _bulletin()
    demo_responses.seed()
    services.incident_summary_refresh()  # the national dashboard reads the summary
    summary_rebuild()  # the trust dashboard's monthly summary: the demo's incidents went in by bulk insert
    return made


def bulk_incidents(organisation: Organisation, *, size: int, seed: str, from_days: int, to_days: int) -> int:
    """Varied incidents bulk-inserted over a window of days ago, as the demo year is (other apps' demos)."""
    return _bulk_year(organisation, size=size, rng=random.Random(seed), from_days=from_days, to_days=to_days)


def _reference_numbers(years: list[int]):
    """Take numbers from each year's series, so that later reports carry on from the demo ones."""
    numbers = {year: iter(reference_numbers_take(year=year, count=years.count(year))) for year in set(years)}
    for year in years:
        yield reference_format(year, next(numbers[year]))


def _by(moment: datetime, now: datetime) -> datetime:
    """A step of an incident's story, never later than now: demo data has no future."""
    return min(moment, now)


def _bulk_year(organisation: Organisation, *, size: int, rng: random.Random, from_days: int = 0, to_days: int = 365) -> int:
    """`size` incidents reported between `to_days` and `from_days` days ago (the last year by default;
    the board report's demo adds an older, quieter year before it)."""
    now = timezone.now()
    team = list(
        RoleAssignment.objects.current().filter(organisation=organisation, role__in=[Role.MSO, Role.STAFF])
        .select_related("user")
    )
    reviewer = next((a.user for a in team if a.role == Role.MSO), None)
    owners = [a.user for a in team] or [reviewer]
    staff = next((a.user for a in team if a.role == Role.STAFF), None)
    harms, weights = zip(*HARM_WEIGHTS, strict=True)
    submitted = sorted(
        now - timedelta(minutes=rng.randint(max(60, from_days * 24 * 60), to_days * 24 * 60)) for _ in range(size)
    )
    references = _reference_numbers([timezone.localtime(s).year for s in submitted])
    incidents, medicine_rows, error_rows, plans = [], [], [], []
    with transaction.atomic():
        for when in submitted:
            physical = rng.choices(harms, weights)[0]
            psychological = rng.choice(["none", "none", "low", "moderate"]) if HARM_RANK[physical] >= 2 else "none"
            medicines = [
                {"name": n, "route": r, "dose": d, "high_alert": is_known_high_alert_medicine(n)}
                for n, r, d in rng.sample(MEDICINES, rng.choice([1, 1, 1, 2]))
            ]
            flags = red_flags(facts_of(physical_harm=physical, psychological_harm=psychological, never_event="",
                                       medicines=medicines))
            age_days = (now - when).days
            # Closing takes 12 to 40 days (feedback goes at day 12), so only an incident that old is closed.
            recent = [Status.SUBMITTED, Status.IN_REVIEW, Status.AWAITING_ACTIONS] + ([Status.CLOSED] if age_days >= 12 else [])
            status = Status.SUBMITTED if not reviewer else Status.CLOSED if age_days > 45 else rng.choice(recent)
            reviewed = status != Status.SUBMITTED
            anonymous = rng.random() < 0.15
            incident = MedicationIncident(
                reference=next(references),
                organisation=organisation,
                reporter=None if anonymous else staff,
                is_anonymous=anonymous or staff is None,
                occurred_at=when - timedelta(hours=rng.randint(1, 30)),
                department=rng.choice(DEPARTMENTS[organisation.ods_code]),
                stage=rng.choice(Stage.values),
                description=rng.choice(DESCRIPTIONS),
                immediate_action="Prescriber informed and patient observed.",
                contributing_factors=rng.sample(["person", "task", "tools", "organisation", "environment"], 2),
                reported_physical_harm=physical, reported_psychological_harm=psychological,
                physical_harm=physical, psychological_harm=psychological,
                harm_confirmed_at=_by(when + timedelta(days=2), now) if reviewed else None,
                harm_confirmed_by=reviewer if reviewed else None,
                ncc_merp_category=rng.choice(["B", "C", "D", "E"]) if reviewed and HARM_RANK[physical] < 3
                else (NCCMERPCategory.F if reviewed else ""),
                high_alert=any(m["high_alert"] for m in medicines),
                red_flags=flags, red_flag=bool(flags),
                status=status, submitted_at=when, reviewer=reviewer if reviewed else None,
                review_started_at=_by(when + timedelta(hours=rng.randint(2, 96)), now) if reviewed else None,
                closed_at=_by(when + timedelta(days=rng.randint(12, 40)), now) if status == Status.CLOSED else None,
                learning_summary=rng.choice(LEARNING) if status == Status.CLOSED else "",
                feedback="Thank you for reporting. " + rng.choice(LEARNING) if status == Status.CLOSED else "",
                feedback_given_at=when + timedelta(days=12) if status == Status.CLOSED else None,
            )
            incidents.append(incident)
            plans.append((incident, medicines, rng.sample(ErrorType.values, rng.choice([1, 1, 2])), age_days))
        MedicationIncident.objects.bulk_create(incidents, batch_size=1000)
        by_reference = dict(
            MedicationIncident.objects.filter(organisation=organisation).values_list("reference", "pk")
        )
        escalations, actions = [], []
        for incident, medicines, errors, age_days in plans:
            pk = by_reference[incident.reference]
            medicine_rows += [IncidentMedicine(incident_id=pk, **m) for m in medicines]
            error_rows += [IncidentErrorType(incident_id=pk, error_type=e) for e in errors]
            if incident.red_flag:
                acknowledged = age_days > 14
                escalations.append(Escalation(
                    incident_id=pk, organisation=organisation, reason=Escalation.Reason.RED_FLAG,
                    message="Red flag: " + " ".join(incident.red_flags), raised_at=incident.submitted_at,
                    acknowledge_by=services.add_working_days(timezone.localtime(incident.submitted_at).date(), 2),
                    acknowledged_at=incident.submitted_at + timedelta(days=1) if acknowledged else None,
                    acknowledged_by=_person("director@riverside.example") if acknowledged and organisation.ods_code == "R9R" else None,
                    acknowledgement="Noted; please bring the learning to the next committee." if acknowledged else "",
                    # Riverside's went to its director; Hillside names none, so its wait for one.
                    assigned_to=_person("director@riverside.example") if organisation.ods_code == "R9R" else None,
                    assigned_at=incident.submitted_at if organisation.ods_code == "R9R" else None,
                ))
            if incident.status in (Status.AWAITING_ACTIONS, Status.CLOSED) and reviewer:
                due = timezone.localtime(incident.submitted_at).date() + timedelta(days=30)
                actions.append(IncidentAction(
                    incident_id=pk, organisation=organisation, incident_submitted_at=incident.submitted_at,
                    description="Share the learning at the ward safety huddle.",
                    owner=rng.choice(owners),
                    due_date=due, created_by=reviewer,
                    done_at=min(incident.submitted_at + timedelta(days=20), incident.closed_at)
                    if incident.status == Status.CLOSED else None,
                    done_by=reviewer if incident.status == Status.CLOSED else None,
                ))
        # A board director who acknowledged must exist; Hillside's escalations stay open if it has none.
        for escalation in escalations:
            if escalation.acknowledged_at and escalation.acknowledged_by is None:
                escalation.acknowledged_at, escalation.acknowledgement = None, ""
        IncidentMedicine.objects.bulk_create(medicine_rows, batch_size=2000)
        IncidentErrorType.objects.bulk_create(error_rows, batch_size=2000)
        Escalation.objects.bulk_create(escalations, batch_size=1000)
        IncidentAction.objects.bulk_create(actions, batch_size=1000)
    return len(incidents)


def _stories() -> int:
    """Made through the services, with their audit trail and emails: a named report with feedback
    for the staff member, and a red flag waiting for the Riverside director."""
    staff, mso = _person("staff@riverside.example"), _person("mso@riverside.example")
    riverside = Organisation.objects.filter(ods_code="R9R").first()
    if not (staff and mso and riverside) or MedicationIncident.objects.filter(description=NAMED_STORY).exists():
        return 0
    today = timezone.localdate()
    at = timezone.make_aware(datetime.combine(today - timedelta(days=3), time(9, 30)))
    named, _ = services.incident_report(
        reporter=staff, organisation=riverside, anonymous=False, occurred_at=at, department="Ward 7 (Acute Medicine)",
        stage=Stage.ADMINISTERING, error_types=[ErrorType.OMITTED_DELAYED], physical_harm="none",
        psychological_harm="none", description=NAMED_STORY,
        medicines=[{"name": "Levetiracetam", "route": Route.ORAL, "dose": "500 mg"}],
        immediate_action="Dose obtained from pharmacy and given at 11:00.",
    )
    services.incident_transition(incident=named, actor=mso, transition="start_review")
    services.incident_grade(incident=named, actor=mso, physical_harm="none", psychological_harm="none",
                            ncc_merp_category="C")
    services.incident_feedback_give(
        incident=named, actor=mso,
        feedback="Thank you for reporting this. Pharmacy has added levetiracetam to Ward 7's stock list.",
    )
    services.incident_report(
        reporter=staff, organisation=riverside, anonymous=True, occurred_at=at + timedelta(days=1),
        department="Intensive Care Unit", stage=Stage.PREPARING, error_types=[ErrorType.WRONG_STRENGTH],
        physical_harm="moderate", psychological_harm="none",
        description="Potassium chloride infusion prepared at the wrong strength; hyperkalaemia treated.",
        medicines=[{"name": "Potassium chloride 15%", "route": Route.IV, "dose": "40 mmol"}],
    )
    return 2



BULLETIN_TITLE = "Learning bulletin: omitted and delayed doses"


def _bulletin() -> None:
    """A published learning bulletin at Riverside, built from two closed incidents, for staff to read."""
    mso = _person("mso@riverside.example")
    riverside = Organisation.objects.filter(ods_code="R9R").first()
    if not (mso and riverside) or LearningBulletin.objects.filter(title=BULLETIN_TITLE).exists():
        return
    closed = list(
        MedicationIncident.objects.filter(organisation=riverside, status=Status.CLOSED).exclude(learning_summary="")
        .order_by("-closed_at")[:2]
    )
    bulletin = services.bulletin_create(
        actor=mso, organisation=riverside, title=BULLETIN_TITLE, incidents=closed,
        body="Most of last quarter's omitted doses happened when a ward ran out of stock before the drug round. "
             "Check the stock list at the start of each shift, and ask pharmacy for a top-up before it runs out.",
    )
    services.bulletin_publish(actor=mso, bulletin=bulletin)
