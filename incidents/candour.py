"""The statutory duty of candour as rules: data in, decision out, no database.

Sources, each cited beside the rule it gives:
- Regulation 20 of the Health and Social Care Act 2008 (Regulated Activities) Regulations 2014
  (legislation.gov.uk/uksi/2014/2936/regulation/20; CQC, "Regulation 20: Duty of candour",
  cqc.org.uk/content/regulation-20-duty-candour).
- CQC, "The duty of candour: guidance for providers".
- The NHS Standard Contract, Service Condition 35: the relevant person is told within 10 working days
  (CQC's guidance refers to these ten days; medicalprotection.org, "Duty of candour for GPs").
"""

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from core.working_days import add_working_days

from .models import HARM_RANK, ErrorType, PhysicalHarm, PsychologicalHarm, Stage

# NHS Standard Contract SC35: the first notification within 10 working days of the incident being
# identified as notifiable (bevanbrittan.com, "What is the existing NHS contractual duty of candour?").
NOTIFY_WITHIN_WORKING_DAYS = 10


def is_notifiable(*, physical_harm: str, psychological_harm: str) -> bool:
    """A notifiable safety incident, for a health service body: one that, in a healthcare professional's
    reasonable opinion, could result in or appears to have resulted in death, severe harm, moderate
    harm or prolonged psychological harm (Regulation 20(8) and (9)).

    The reviewer's grade is that reasonable opinion. Physical harm graded moderate, severe or fatal is
    moderate harm, severe harm or death. "Prolonged psychological harm" is harm for a continuous period of
    at least 28 days (Regulation 20(9)); LFPSE's psychological grades do not name 28 days, so moderate and
    severe psychological harm both count: CQC's guidance says to act on the most relevant category when the
    degree of harm is not yet clear."""
    return (
        HARM_RANK[physical_harm] >= HARM_RANK[PhysicalHarm.MODERATE]
        or HARM_RANK[psychological_harm] >= HARM_RANK[PsychologicalHarm.MODERATE]
    )


def notification_due(graded_notifiable_on: date) -> date:
    """Counted from the day the incident was graded notifiable, in working days (weekends and England's
    bank holidays excluded): NHS Standard Contract SC35."""
    return add_working_days(graded_notifiable_on, NOTIFY_WITHIN_WORKING_DAYS)


@dataclass(frozen=True)
class LetterFacts:
    """What the written notification may say: the incident's facts and nothing about anyone else.
    No reporter (an anonymous reporter stays anonymous, a named one is not the patient's business),
    no description in the reporter's own words (it may name other patients or staff), no NHS number."""

    organisation: str
    relevant_person: str
    occurred_on: date
    department: str
    stage: str
    error_types: tuple[str, ...]
    medicines: tuple[str, ...]
    physical_harm: str
    psychological_harm: str
    mso_mailbox: str


def letter_facts_of(incident, relevant_person: str) -> LetterFacts:
    """The facts of an incident for its letter; reads the prefetched medicines and error types."""
    return LetterFacts(
        organisation=incident.organisation.name,
        relevant_person=relevant_person.strip() or "the patient",
        occurred_on=timezone.localtime(incident.occurred_at).date(),
        department=incident.department,
        stage=incident.stage,
        error_types=tuple(row.error_type for row in incident.error_type_rows.all()),
        medicines=tuple(m.name for m in incident.medicines.all()),
        physical_harm=incident.physical_harm,
        psychological_harm=incident.psychological_harm,
        mso_mailbox=incident.organisation.generic_mso_email,
    )


# "While insulin was being given": the stage as the letter says it.
STAGE_VERBS = {
    Stage.PRESCRIBING: "prescribed", Stage.TRANSCRIBING: "transcribed", Stage.PREPARING: "prepared",
    Stage.DISPENSING: "dispensed", Stage.ADMINISTERING: "given", Stage.MONITORING: "monitored",
    Stage.SUPPLY_STORAGE: "supplied or stored", Stage.ADVICE: "advised on",
}


def _listed(items) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _harm_words(physical: str, psychological: str) -> str:
    parts = []
    if HARM_RANK[physical] >= HARM_RANK[PhysicalHarm.MODERATE]:
        parts.append({"moderate": "moderate physical harm", "severe": "severe physical harm",
                      "fatal": "harm from which the patient died"}[physical])
    if HARM_RANK[psychological] >= HARM_RANK[PsychologicalHarm.MODERATE]:
        parts.append(f"{psychological} psychological harm")
    return _listed(parts) or "harm"


def letter_draft(facts: LetterFacts) -> str:
    """The written notification in plain English (Regulation 20(3) and (4)): a true account of what we
    know, what further enquiries we will make, an apology, and how to reach us. The MSO edits it."""
    what = _listed(ErrorType(e).label.lower().replace("wrong dose: ", "") for e in sorted(facts.error_types)) \
        or "an error"
    medicines = _listed(facts.medicines) or "a medicine"
    contact = f" You can write to us at {facts.mso_mailbox}." if facts.mso_mailbox else ""
    return (
        f"Dear {facts.relevant_person},\n\n"
        f"We are writing, as we promised when we spoke to you, about what happened on "
        f"{facts.occurred_on:%-d %B %Y} at {facts.organisation} ({facts.department}).\n\n"
        f"While {medicines} was being {STAGE_VERBS.get(facts.stage, 'used')}, there was an error: {what}. "
        f"We believe this caused {_harm_words(facts.physical_harm, facts.psychological_harm)}.\n\n"
        f"We are sorry that this happened.\n\n"
        f"We are looking into how it happened so that we can learn from it and make care safer. "
        f"When we have finished, we will share what we found with you, if you would like us to.\n\n"
        f"If you have questions, or would like someone with you when we next meet, please tell us.{contact}\n\n"
        f"Yours sincerely,\n\nMedication Safety Officer, on behalf of {facts.organisation}"
    )
