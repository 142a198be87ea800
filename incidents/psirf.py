"""The response plan as rules: which learning response PSIRF and the organisation's plan suggest for an
incident. Data in, decision out, no database.

Sources: NHS England, Patient Safety Incident Response Framework (August 2022) and its "Guide to
responding proportionately to patient safety incidents" (england.nhs.uk/patient-safety/incident-response-framework/).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings

from .models import HARM_RANK, ResponseType


@dataclass(frozen=True)
class ResponseFacts:
    """What a plan rule looks at."""

    never_event: str
    high_alert: bool
    physical_harm: str
    error_types: frozenset
    stage: str
    medicine_names: tuple[str, ...]


@dataclass(frozen=True)
class Suggestion:
    response_type: str
    reason: str
    rule: object | None = None  # the ResponsePlanRule that matched; None for a national priority

    @property
    def label(self) -> str:
        return ResponseType(self.response_type).label


def facts_of(incident) -> ResponseFacts:
    """Facts from an incident; reads its prefetched medicines and error types."""
    return ResponseFacts(
        never_event=incident.never_event, high_alert=incident.high_alert, physical_harm=incident.physical_harm,
        error_types=frozenset(row.error_type for row in incident.error_type_rows.all()), stage=incident.stage,
        medicine_names=tuple(m.name.lower() for m in incident.medicines.all()),
    )


def national_priority(facts: ResponseFacts) -> Suggestion | None:
    # PSIRF (2022), "National priorities": incidents meeting the Never Events criteria (2018, or its
    # replacement) need a PSII whatever the local plan says.
    if facts.never_event:
        return Suggestion(ResponseType.PSII, "National priority under PSIRF: the incident meets the Never Events criteria.")
    return None


def rule_matches(rule, facts: ResponseFacts) -> bool:
    """Every condition the rule sets must hold; a condition left empty matches anything."""
    return all((
        not rule.never_event or bool(facts.never_event),
        not rule.high_alert or facts.high_alert,
        not rule.minimum_harm or HARM_RANK[facts.physical_harm] >= HARM_RANK[rule.minimum_harm],
        not rule.error_type or rule.error_type in facts.error_types,
        not rule.stage or rule.stage == facts.stage,
        not rule.medicine_contains or any(rule.medicine_contains.lower() in name for name in facts.medicine_names),
    ))


def suggest(rules, facts: ResponseFacts) -> Suggestion | None:
    """A national priority first, then the plan's active rules in their order; None when nothing matches
    (PSIRF: then the organisation may decide no further learning response is needed)."""
    if priority := national_priority(facts):
        return priority
    for rule in rules:
        if rule.active and rule_matches(rule, facts):
            return Suggestion(rule.response_type, f"Response plan: {rule.name}.", rule)
    return None


def response_due(response_type: str, commissioned_on: date) -> date:
    """PSIRF's guide: a PSII normally within one to three months and no longer than six; the other
    responses have no national timescale, so each is a setting (PSIRF_RESPONSE_DUE_DAYS) the plan sets."""
    return commissioned_on + timedelta(days=settings.PSIRF_RESPONSE_DUE_DAYS[response_type])
