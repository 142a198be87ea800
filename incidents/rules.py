"""Red flags: the incidents that must reach the MSO at once and the board director promptly.

Every rule is here and nowhere else. A rule reads the incident's grades and medicines and
returns the reason, in words the MSO and director read in their email, or None."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .models import HARM_RANK, NeverEvent, PhysicalHarm, PsychologicalHarm


@dataclass(frozen=True)
class IncidentFacts:
    """What the rules look at: the same whether the incident is being reported or regraded."""

    physical_harm: str
    psychological_harm: str
    never_event: str
    medicine_high_alert: tuple[bool, ...]
    high_alert_medicine_names: tuple[str, ...] = ()


def severe_or_fatal_harm(facts: IncidentFacts) -> str | None:
    if facts.physical_harm in (PhysicalHarm.SEVERE, PhysicalHarm.FATAL):
        return f"{PhysicalHarm(facts.physical_harm).label} reported."
    if facts.psychological_harm == PsychologicalHarm.SEVERE:
        return "Severe psychological harm reported."
    return None


def never_event(facts: IncidentFacts) -> str | None:
    if facts.never_event:
        return f"Never Event: {NeverEvent(facts.never_event).label}."
    return None


def high_alert_medicine_with_moderate_harm(facts: IncidentFacts) -> str | None:
    worst = max(HARM_RANK[facts.physical_harm], HARM_RANK[facts.psychological_harm])
    if any(facts.medicine_high_alert) and worst >= HARM_RANK["moderate"]:
        names = ", ".join(facts.high_alert_medicine_names) or "a high-alert medicine"
        return f"High-alert medicine ({names}) with moderate harm or worse."
    return None


RED_FLAG_RULES: tuple[Callable[[IncidentFacts], str | None], ...] = (
    severe_or_fatal_harm,
    never_event,
    high_alert_medicine_with_moderate_harm,
)


def facts_of(*, physical_harm: str, psychological_harm: str, never_event: str, medicines: Iterable) -> IncidentFacts:
    """Facts from a report's values; `medicines` are dicts or IncidentMedicine rows."""
    rows = [(m["name"], m["high_alert"]) if isinstance(m, dict) else (m.name, m.high_alert) for m in medicines]
    return IncidentFacts(
        physical_harm=physical_harm,
        psychological_harm=psychological_harm,
        never_event=never_event or "",
        medicine_high_alert=tuple(flag for _, flag in rows),
        high_alert_medicine_names=tuple(name for name, flag in rows if flag),
    )


def red_flags(facts: IncidentFacts) -> list[str]:
    """The reasons this incident is a red flag; empty if it is not."""
    return [reason for rule in RED_FLAG_RULES if (reason := rule(facts))]
