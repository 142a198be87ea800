"""Statistical process control as NHS boards read it (NHS England's "Making Data Count"): an XmR
chart of a monthly series and its special-cause rules. Pure functions over numbers, no Django, so
the same reading is given on the page, in the PDF and in the national view.

References (looked up, not remembered):
- NHS England / NHS Improvement, "Making Data Count: getting started" (2019) and "Making Data Count:
  strengthening your decisions" (2019): XmR charts, process limits at the mean +/- 2.66 x the mean
  moving range, the four special-cause rules and the variation icons.
- NHS-R community, NHSRplotthedots (github.com/nhs-r-community/NHSRplotthedots), the open
  implementation of those rules: R/ptd_spc_standard.R (limits, "close to limits") and
  R/ptd_calculate_point_type.R (shift, trend, two-in-three), R/ptd_add_short_group_warnings.R (12 points).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

# Process limits: mean +/- 2.66 x mean moving range; 2.66 = 3 / d2 (1.128) for ranges of two points,
# i.e. three sigma. NHSRplotthedots R/ptd_spc_standard.R `limit <- 2.66`.
LIMIT_FACTOR = 2.66
# "Close to a limit" means beyond two sigma: two thirds of the way from the mean to a limit.
# NHSRplotthedots R/ptd_spc_standard.R `limitclose <- 2 * (limit / 3)`.
CLOSE_FACTOR = 2 * LIMIT_FACTOR / 3
# A shift is 7 or more consecutive points on one side of the mean; a point on the mean breaks it.
# NHSRplotthedots R/ptd_calculate_point_type.R `ptd_seven_point_one_side_mean` (Making Data Count
# allows 6 or 7; the NHS-R implementation, which NHS England's own tools follow, uses 7).
SHIFT_LENGTH = 7
# A trend is 7 or more consecutive points each higher (or each lower) than the one before; an equal
# value breaks it. NHSRplotthedots R/ptd_calculate_point_type.R `ptd_seven_point_trend`.
TREND_LENGTH = 7
# Two of three consecutive points close to a limit (beyond 2 sigma but inside the limit), all three on
# the same side of the mean. NHSRplotthedots R/ptd_calculate_point_type.R `ptd_two_in_three`.
TWO_IN_THREE_WINDOW = 3
TWO_IN_THREE_CLOSE = 2
# Fewer points than this and the limits are not yet reliable: NHSRplotthedots warns below 12 points
# (R/ptd_add_short_group_warnings.R); Making Data Count recommends 15-20, at least 12.
RELIABLE_POINTS = 12


class Direction(StrEnum):
    """Which way is better for a measure."""

    INCREASE = "increase"  # e.g. reports: a healthier reporting culture
    DECREASE = "decrease"  # e.g. incidents causing harm
    NEUTRAL = "neutral"


class Rule(StrEnum):
    OUTSIDE_LIMITS = "outside_limits"
    SHIFT = "shift"
    TREND = "trend"
    TWO_IN_THREE = "two_in_three"


class Variation(StrEnum):
    """The Making Data Count variation icons, read from the latest point."""

    COMMON_CAUSE = "common_cause"
    IMPROVEMENT_HIGH = "improvement_high"
    IMPROVEMENT_LOW = "improvement_low"
    CONCERN_HIGH = "concern_high"
    CONCERN_LOW = "concern_low"
    NEUTRAL_HIGH = "neutral_high"
    NEUTRAL_LOW = "neutral_low"
    NOT_ENOUGH_DATA = "not_enough_data"


# The words of a reading, and the fuller label of each icon (its accessible name).
VARIATION_WORDS = {
    Variation.COMMON_CAUSE: "common cause variation, no signal",
    Variation.IMPROVEMENT_HIGH: "special cause, improvement",
    Variation.IMPROVEMENT_LOW: "special cause, improvement",
    Variation.CONCERN_HIGH: "special cause, concern",
    Variation.CONCERN_LOW: "special cause, concern",
    Variation.NEUTRAL_HIGH: "special cause, neither improvement nor concern",
    Variation.NEUTRAL_LOW: "special cause, neither improvement nor concern",
    Variation.NOT_ENOUGH_DATA: "not enough data",
}
VARIATION_LABELS = {
    Variation.COMMON_CAUSE: "Common cause variation",
    Variation.IMPROVEMENT_HIGH: "Special cause variation: improvement, higher values",
    Variation.IMPROVEMENT_LOW: "Special cause variation: improvement, lower values",
    Variation.CONCERN_HIGH: "Special cause variation: concern, higher values",
    Variation.CONCERN_LOW: "Special cause variation: concern, lower values",
    Variation.NEUTRAL_HIGH: "Special cause variation: higher values, neither improvement nor concern",
    Variation.NEUTRAL_LOW: "Special cause variation: lower values, neither improvement nor concern",
    Variation.NOT_ENOUGH_DATA: "Not enough data for process limits",
}


@dataclass(frozen=True)
class Point:
    label: str
    value: float
    segment: int  # index of the period of calculation the point belongs to
    side: int  # +1 above the mean, -1 below, 0 on it
    rules: tuple[Rule, ...] = ()
    variation: Variation = Variation.COMMON_CAUSE

    @property
    def special_cause(self) -> bool:
        return bool(self.rules)


@dataclass(frozen=True)
class Segment:
    """One period of calculation: limits are recalculated after a known process change."""

    start: int
    end: int  # exclusive
    mean: float
    mean_moving_range: float | None
    upper: float | None
    lower: float | None

    @property
    def size(self) -> int:
        return self.end - self.start

    @property
    def reliable(self) -> bool:
        return self.size >= RELIABLE_POINTS


@dataclass(frozen=True)
class XmR:
    measure: str
    direction: Direction
    points: tuple[Point, ...]
    segments: tuple[Segment, ...]
    variation: Variation
    reading: str
    warnings: tuple[str, ...] = field(default=())

    @property
    def latest_segment(self) -> Segment | None:
        return self.segments[-1] if self.segments else None


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def _segment(values: Sequence[float], start: int, end: int) -> Segment:
    part = values[start:end]
    mean = _mean(part)
    if len(part) < 2:
        return Segment(start, end, mean, None, None, None)
    mmr = _mean([abs(b - a) for a, b in zip(part, part[1:], strict=False)])
    return Segment(start, end, mean, mmr, mean + LIMIT_FACTOR * mmr, mean - LIMIT_FACTOR * mmr)


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def outside_limits(values: Sequence[float], segment: Segment) -> list[bool]:
    """Rule 1: a point above the upper or below the lower process limit."""
    if segment.upper is None:
        return [False] * len(values)
    return [v > segment.upper or v < segment.lower for v in values]


def shift(sides: Sequence[int]) -> list[bool]:
    """Rule 2: every point of a run of SHIFT_LENGTH or more on one side of the mean."""
    flagged = [False] * len(sides)
    start = 0
    for i in range(1, len(sides) + 1):
        if i < len(sides) and sides[i] == sides[start]:
            continue
        if sides[start] != 0 and i - start >= SHIFT_LENGTH:
            flagged[start:i] = [True] * (i - start)
        start = i
    return flagged


def trend(values: Sequence[float]) -> list[int]:
    """Rule 3: every point of a run of TREND_LENGTH or more points each higher (+1) or each lower (-1)
    than the one before; 0 for a point in no such run."""
    steps = [_sign(b - a) for a, b in zip(values, values[1:], strict=False)]
    flagged = [0] * len(values)
    start = 0  # steps[start:i] all go the same way: points start .. i move together
    for i in range(1, len(steps) + 1):
        if i < len(steps) and steps[i] == steps[start]:
            continue
        if steps[start] != 0 and i - start + 1 >= TREND_LENGTH:
            flagged[start : i + 1] = [steps[start]] * (i - start + 1)
        start = i
    return flagged


def two_in_three(values: Sequence[float], sides: Sequence[int], segment: Segment) -> list[bool]:
    """Rule 4: the points close to a limit among three consecutive points on one side of the mean,
    two or three of which are close to that limit."""
    n = len(values)
    if segment.mean_moving_range is None:
        return [False] * n
    near = CLOSE_FACTOR * segment.mean_moving_range
    close = [
        not (v > segment.upper or v < segment.lower) and abs(v - segment.mean) > near
        for v in values
    ]
    flagged = [False] * n
    for start in range(n - TWO_IN_THREE_WINDOW + 1):
        window = range(start, start + TWO_IN_THREE_WINDOW)
        same_side = abs(sum(sides[k] for k in window)) == TWO_IN_THREE_WINDOW
        if same_side and sum(close[k] for k in window) >= TWO_IN_THREE_CLOSE:
            for k in window:
                flagged[k] = flagged[k] or close[k]
    return flagged


def _variation(side: int, special: bool, direction: Direction) -> Variation:
    if not special:
        return Variation.COMMON_CAUSE
    high = side > 0
    if direction == Direction.NEUTRAL:
        return Variation.NEUTRAL_HIGH if high else Variation.NEUTRAL_LOW
    improving = high == (direction == Direction.INCREASE)
    if improving:
        return Variation.IMPROVEMENT_HIGH if high else Variation.IMPROVEMENT_LOW
    return Variation.CONCERN_HIGH if high else Variation.CONCERN_LOW


def xmr(
    values: Sequence[float],
    *,
    measure: str,
    direction: Direction,
    labels: Sequence[str] | None = None,
    process_changes: Sequence[int] = (),
) -> XmR:
    """The XmR chart of a series: limits per period of calculation (recalculated from each index in
    `process_changes`, a known change to the process), the special-cause rules applied within each
    period, each point's variation, and a one-line reading of the latest point."""
    values = [float(v) for v in values]
    labels = list(labels) if labels is not None else [str(i + 1) for i in range(len(values))]
    if len(labels) != len(values):
        raise ValueError("One label per value.")
    cuts = sorted({c for c in process_changes if 0 < c < len(values)})
    bounds = list(zip([0, *cuts], [*cuts, len(values)], strict=True)) if values else []
    segments, points = [], []
    for number, (start, end) in enumerate(bounds):
        seg = _segment(values, start, end)
        segments.append(seg)
        part = values[start:end]
        sides = [_sign(round(v - seg.mean, 9)) for v in part]
        flags = {
            Rule.OUTSIDE_LIMITS: outside_limits(part, seg),
            Rule.SHIFT: shift(sides),
            Rule.TREND: trend(part),
            Rule.TWO_IN_THREE: two_in_three(part, sides, seg),
        }
        for k, value in enumerate(part):
            rules = tuple(rule for rule, flagged in flags.items() if flagged[k])
            side = sides[k]
            if rules and set(rules) <= {Rule.TREND}:
                # A trend alone is read by its direction of travel, not by its side of the mean.
                side = flags[Rule.TREND][k]
            points.append(Point(labels[start + k], value, number, sides[k], rules, _variation(side, bool(rules), direction)))
    variation = _overall_variation(points, segments)
    return XmR(
        measure=measure,
        direction=direction,
        points=tuple(points),
        segments=tuple(segments),
        variation=variation,
        reading=reading(measure, points, segments, variation),
        warnings=_warnings(segments),
    )


def _overall_variation(points: Sequence[Point], segments: Sequence[Segment]) -> Variation:
    if not points or segments[-1].upper is None:
        return Variation.NOT_ENOUGH_DATA
    return points[-1].variation


def _warnings(segments: Sequence[Segment]) -> tuple[str, ...]:
    if segments and not segments[-1].reliable:
        return (
            f"Only {segments[-1].size} month{'s' if segments[-1].size != 1 else ''} in the current period: "
            f"the process limits are not yet reliable (at least {RELIABLE_POINTS} are needed).",
        )
    return ()


def _run_back(points: Sequence[Point], rule: Rule) -> int:
    """How many months up to the latest one make its run: same rule, and the same side of the mean (a
    shift) or the same direction of travel (a trend), so that two runs that touch are not added up."""
    last = points[-1]
    count = 1
    for before, after in zip(reversed(points[:-1]), reversed(points[1:]), strict=True):
        if rule not in before.rules:
            break
        if rule == Rule.SHIFT and before.side != last.side:
            break
        if rule == Rule.TREND and _sign(after.value - before.value) != _sign(last.value - points[-2].value):
            break
        count += 1
    return count


def _number(x: float) -> str:
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}"


def reading(measure: str, points: Sequence[Point], segments: Sequence[Segment], variation: Variation) -> str:
    """One line in plain English about the latest point, e.g. "Reports rose for 7 months in a row:
    special cause, improvement." """
    if variation == Variation.NOT_ENOUGH_DATA:
        return f"{measure}: not enough months yet to calculate process limits."
    seg = segments[-1]
    points = points[seg.start :]  # runs are counted within the current period of calculation
    last = points[-1]
    words = VARIATION_WORDS[variation]
    if Rule.OUTSIDE_LIMITS in last.rules:
        limit, where = (seg.upper, "above the upper") if last.value > seg.upper else (seg.lower, "below the lower")
        return f"{measure} in {last.label} ({_number(last.value)}) were {where} process limit ({_number(limit)}): {words}."
    if Rule.TREND in last.rules:
        months = _run_back(points, Rule.TREND)
        moved = "rose" if points[-1].value > points[-2].value else "fell"
        return f"{measure} {moved} for {months} months in a row: {words}."
    if Rule.SHIFT in last.rules:
        months = _run_back(points, Rule.SHIFT)
        side = "above" if last.side > 0 else "below"
        return f"{measure} were {side} the mean ({_number(seg.mean)}) for {months} months in a row: {words}."
    if Rule.TWO_IN_THREE in last.rules:
        side = "upper" if last.side > 0 else "lower"
        return f"{measure}: two of the last three months were close to the {side} process limit: {words}."
    if seg.mean_moving_range == 0:
        return f"{measure} were {_number(seg.mean)} every month: no variation, {words}."
    # A count cannot fall below zero, so a negative lower limit is read as zero.
    lower = max(seg.lower, 0) if min(p.value for p in points) >= 0 else seg.lower
    return (
        f"{measure} varied between the process limits ({_number(lower)} to {_number(seg.upper)}) "
        f"around a mean of {_number(seg.mean)}: {words}."
    )
