"""XmR charts laid out on the server as SVG geometry (like incidents/charts.py), so that they print
in the PDF and need no JavaScript. Each chart keeps its rows for the accessible table beside it."""

from core.spc import RELIABLE_POINTS, VARIATION_LABELS, Direction, Rule, Variation, XmR, xmr

WIDTH = 720
HEIGHT = 280
LEFT = 56
RIGHT = 16
TOP = 16
BOTTOM = 48
# On a phone the chart is drawn narrow (its text is 14 units there) so that the text stays at least
# 12px on a 320px screen, as the dashboard's bar charts do.
NARROW_WIDTH = 320
NARROW_HEIGHT = 240
NARROW_LEFT = 36

# Making Data Count's colours: grey for common cause, blue for improvement, orange for concern,
# purple for a change that is neither.
COLOURS = {
    "common": "#768692",
    "improvement": "#005eb8",
    "concern": "#c05600",  # darker than the usual #ED8B00 so that it passes 3:1 against white
    "neutral": "#330072",
}
RULE_WORDS = {
    Rule.OUTSIDE_LIMITS: "outside the process limits",
    Rule.SHIFT: "shift (7 or more on one side of the mean)",
    Rule.TREND: "trend (7 or more rising or falling)",
    Rule.TWO_IN_THREE: "two of three close to a limit",
}
ICONS = {
    Variation.COMMON_CAUSE: ("common", ""),
    Variation.IMPROVEMENT_HIGH: ("improvement", "H"),
    Variation.IMPROVEMENT_LOW: ("improvement", "L"),
    Variation.CONCERN_HIGH: ("concern", "H"),
    Variation.CONCERN_LOW: ("concern", "L"),
    Variation.NEUTRAL_HIGH: ("neutral", "H"),
    Variation.NEUTRAL_LOW: ("neutral", "L"),
    Variation.NOT_ENOUGH_DATA: ("common", "?"),
}


def _kind(variation: Variation) -> str:
    return ICONS[variation][0]


# Axis steps: four of them up the y axis, each a whole number (counts are whole).
STEPS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 25000, 50000, 100000)


def _axis_step(highest: float) -> int:
    return next((step for step in STEPS if step * 4 >= highest), STEPS[-1] * (1 + int(highest // (STEPS[-1] * 4))))


def _layout(spc: XmR, *, width: int, height: int, left: int, right: int = RIGHT, labels_shown: int, top_value: int) -> dict:
    """Where everything goes in a drawing `width` x `height` units wide."""
    plot_w, plot_h = width - left - right, height - TOP - BOTTOM
    n = max(len(spc.points), 1)
    bottom = 0  # counts: the axis starts at zero; a negative lower limit is drawn at zero

    def x(i: float) -> float:
        return round(left + (plot_w * (i + 0.5) / n), 1)

    def y(v: float) -> float:
        v = min(max(v, bottom), top_value)
        return round(TOP + plot_h * (1 - (v - bottom) / (top_value - bottom or 1)), 1)

    points = [
        {"x": x(i), "y": y(p.value), "colour": COLOURS[_kind(p.variation)], "special": p.special_cause}
        for i, p in enumerate(spc.points)
    ]
    lines = []
    for seg in spc.segments:
        x1, x2 = x(seg.start - 0.5), x(seg.end - 0.5)
        lines.append({"x1": x1, "x2": x2, "y": y(seg.mean), "kind": "mean"})
        if seg.upper is not None:
            lines.append({"x1": x1, "x2": x2, "y": y(seg.upper), "kind": "limit"})
            lines.append({"x1": x1, "x2": x2, "y": y(max(seg.lower, bottom)), "kind": "limit"})
    step = top_value // 4
    every = max(1, -(-n // labels_shown))
    return {
        "width": width, "height": height, "left": left, "right": width - right, "plot_bottom": TOP + plot_h,
        "label_y": height - BOTTOM + 18,
        "points": points,
        "path": " ".join(f"{'M' if i == 0 else 'L'}{p['x']},{p['y']}" for i, p in enumerate(points)),
        "lines": lines,
        "ticks": [{"y": y(step * k), "value": str(step * k)} for k in range(5)],
        "x_labels": [
            {"x": points[i]["x"], "text": p.label} for i, p in enumerate(spc.points) if i % every == (n - 1) % every
        ],
    }


def xmr_chart(*, key: str, title: str, measure: str, direction: Direction, labels: list[str], values: list[float],
              process_changes=()) -> dict:
    """The chart of one measure: its SPC reading, a wide drawing and a narrow one for a phone (its text
    stays near its own size there), and the rows of the table behind it."""
    spc: XmR = xmr(values, measure=measure, direction=direction, labels=labels, process_changes=process_changes)
    limits = [s.upper for s in spc.segments if s.upper is not None]
    top_value = _axis_step(max([*values, *limits, 1]) * 1.05) * 4
    icon_kind, icon_letter = ICONS[spc.variation]
    rows = []
    for p in spc.points:
        seg = spc.segments[p.segment]
        rows.append({
            "label": p.label, "value": _fmt(p.value), "mean": _fmt(seg.mean),
            "lower": _fmt(max(seg.lower, 0)) if seg.lower is not None else "–",
            "upper": _fmt(seg.upper) if seg.upper is not None else "–",
            "signal": "; ".join(RULE_WORDS[r] for r in p.rules),
        })
    return {
        "key": key,
        "title": title,
        "empty": not any(values),
        "measure": measure,
        "direction": "Higher is better" if direction == Direction.INCREASE else
                     "Lower is better" if direction == Direction.DECREASE else "Neither higher nor lower is better",
        "reading": spc.reading,
        "warnings": spc.warnings,
        "variation": spc.variation.value,
        "icon": {"kind": icon_kind, "letter": icon_letter, "colour": COLOURS[icon_kind],
                 "label": VARIATION_LABELS[spc.variation]},
        "description": _description(spc, labels),
        "wide": _layout(spc, width=WIDTH, height=HEIGHT, left=LEFT, labels_shown=8, top_value=top_value),
        "narrow": _layout(spc, width=NARROW_WIDTH, height=NARROW_HEIGHT, left=NARROW_LEFT, right=32, labels_shown=3,
                          top_value=top_value),
        "rows": rows,
    }


def _fmt(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _description(spc: XmR, labels: list[str]) -> str:
    if not spc.points:
        return f"{spc.measure}: no months to show."
    seg = spc.segments[-1]
    limits = (
        f"process limits {_fmt(max(seg.lower, 0))} to {_fmt(seg.upper)}" if seg.upper is not None else "no process limits yet"
    )
    special = sum(p.special_cause for p in spc.points)
    return (
        f"{spc.measure} per month from {labels[0]} to {labels[-1]}: mean {_fmt(seg.mean)}, {limits}; "
        f"{special} of {len(spc.points)} months show special cause variation. {spc.reading}"
        + ("" if seg.size >= RELIABLE_POINTS else " The limits are not yet reliable.")
    )


def report_charts(content: dict) -> list[dict]:
    series = content["series"]
    return [
        xmr_chart(key="reports", title="Reports per month", measure="Reports", direction=Direction.INCREASE,
                  labels=series["labels"], values=series["reports"]),
        xmr_chart(key="harm", title="Incidents causing harm per month (low harm or worse)",
                  measure="Incidents causing harm", direction=Direction.DECREASE,
                  labels=series["labels"], values=series["harm"]),
    ]
