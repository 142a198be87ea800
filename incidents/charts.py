"""Bar charts laid out on the server as SVG geometry, so that they print and go into reports
without JavaScript. Each chart keeps its rows for the accessible table drawn beside it."""

import hashlib
import json

from .models import ErrorType, PhysicalHarm, Stage

ROW_HEIGHT = 30
LABEL_WIDTH = 270
BAR_WIDTH = 300
CHART_WIDTH = LABEL_WIDTH + BAR_WIDTH + 60
# On a phone the chart is drawn narrow, each label above its bar, so that it is shown near its own
# size: 15-unit text stays at least 12px on a 320px screen instead of shrinking to 6px.
NARROW_WIDTH = 300
NARROW_ROW_HEIGHT = 44
NARROW_BAR_WIDTH = NARROW_WIDTH - 56
# The longest labels each drawing has room for; longer ones end in "…" (the table beside it has them whole).
WIDE_LABEL_CHARS, NARROW_LABEL_CHARS = 38, 34


def shortened(label: str, length: int) -> str:
    """As the truncatechars filter shortens it, made once here: the filter looks its "…" up in the
    translations on every call, two calls a row, and that was a tenth of the dashboard's time."""
    return label if len(label) <= length else label[: length - 1] + "…"


def bar_chart(*, key: str, title: str, rows: list[tuple[str, int]], value_label: str = "Incidents") -> dict:
    biggest = max((value for _, value in rows), default=0) or 1
    laid_out = [
        {
            "label": label,
            "wide_label": shortened(label, WIDE_LABEL_CHARS),
            "narrow_label": shortened(label, NARROW_LABEL_CHARS),
            "value": value,
            "y": i * ROW_HEIGHT,
            "text_y": i * ROW_HEIGHT + 20,
            "width": round(BAR_WIDTH * value / biggest, 1),
            "value_x": LABEL_WIDTH + round(BAR_WIDTH * value / biggest, 1) + 6,
        }
        for i, (label, value) in enumerate(rows)
    ]
    for i, row in enumerate(laid_out):
        width = round(NARROW_BAR_WIDTH * row["value"] / biggest, 1)
        top = i * NARROW_ROW_HEIGHT
        row["narrow"] = {"text_y": top + 15, "bar_y": top + 21, "width": width, "value_x": width + 6, "value_y": top + 36}
    return {
        "key": key,
        "title": title,
        "rows": laid_out,
        "narrow_width": NARROW_WIDTH,
        "narrow_height": max(len(rows), 1) * NARROW_ROW_HEIGHT,
        "value_label": value_label,
        "height": max(len(rows), 1) * ROW_HEIGHT,
        "width": CHART_WIDTH,
        "label_width": LABEL_WIDTH,
        "label_x": LABEL_WIDTH - 8,
    }


def dashboard_charts(figures: dict) -> list[dict]:
    harm_counts = {row["physical_harm"]: row["total"] for row in figures["by_harm"]}
    return [
        bar_chart(
            key="per-month",
            title="Reports per month",
            rows=[(row["month"].strftime("%b %Y"), row["total"]) for row in figures["per_month"] if row["month"]],
            value_label="Reports",
        ),
        bar_chart(
            key="harm",
            title="Physical harm (as graded)",
            rows=[(grade.label, harm_counts.get(grade.value, 0)) for grade in PhysicalHarm],
        ),
        bar_chart(
            key="stage",
            title="Stage",
            rows=[(Stage(row["stage"]).label, row["total"]) for row in figures["by_stage"]],
        ),
        bar_chart(
            key="error",
            title="What went wrong (top 10)",
            rows=[(ErrorType(row["error_type"]).label, row["total"]) for row in figures["by_error"]],
        ),
        bar_chart(
            key="medicines",
            title="Medicines most often involved (top 10)",
            rows=[(row["name"], row["total"]) for row in figures["top_medicines"]],
        ),
    ]


def national_charts(figures: dict) -> list[dict]:
    return [
        bar_chart(
            key="per-month",
            title="Reports per month",
            rows=[(row["month"].strftime("%b %Y"), row["total"]) for row in figures["per_month"]],
            value_label="Reports",
        ),
        bar_chart(key="region", title="NHS England region", rows=figures["by_region"]),
        bar_chart(key="harm", title="Physical harm (as graded)", rows=figures["by_harm"]),
    ]


def charts_key(charts: list[dict]) -> str:
    """What the drawn charts depend on (each chart's titles, labels and values; the geometry follows from
    them), as a hash: the page caches its rendered charts under it, so any changed figure draws anew."""
    content = [(c["key"], c["title"], c["value_label"], [(r["label"], r["value"]) for r in c["rows"]]) for c in charts]
    return hashlib.sha256(json.dumps(content, default=str).encode()).hexdigest()
