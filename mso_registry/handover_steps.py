"""Steps that other apps add to the completion of an MSO handover.

The registry sits below incidents and must not import it; yet completing a handover must move the
leaver's open incidents and actions to the successor. So an app registers a step here from its
AppConfig.ready(), and handover_complete runs every step inside its own transaction: a step that
raises rolls the whole handover back. Each step returns what the successor now holds, for the one
email that tells them."""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class HandoverStepResult:
    """What one step moved to the successor: a heading and a line per thing they now hold."""

    heading: str  # "Open incidents you now review"
    summary: str  # "2 open incidents under review": for the page's message and the checklist's evidence
    lines: tuple[str, ...] = field(default_factory=tuple)
    moved: int = 0  # how many records changed hands


# step(*, handover, leaver, successor, actor) -> HandoverStepResult | None
HandoverStep = Callable[..., HandoverStepResult | None]

_steps: list[HandoverStep] = []


def register(step: HandoverStep) -> HandoverStep:
    """Add a step (once, however often ready() runs); usable as a decorator."""
    if step not in _steps:
        _steps.append(step)
    return step


def unregister(step: HandoverStep) -> None:
    if step in _steps:
        _steps.remove(step)


def registered() -> tuple[HandoverStep, ...]:
    return tuple(_steps)


def run(*, handover, leaver, successor, actor) -> list[HandoverStepResult]:
    """Run every step in the caller's transaction, in the order registered; results that are None are left out."""
    results = []
    for step in _steps:
        result = step(handover=handover, leaver=leaver, successor=successor, actor=actor)
        if result is not None:
            results.append(result)
    return results
