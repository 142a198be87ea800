"""The risk matrix heat map: hazards counted by severity and likelihood, laid out for a server-side
SVG and the table behind it. Colours are fill attributes (the CSP forbids style attributes) and
carry a number too, so that nothing depends on colour alone."""

from html import escape

from django.utils.safestring import mark_safe

from .risk import MATRIX, Likelihood, Severity

# Light fills with dark text: every pair clears 4.5:1 contrast.
RATING_FILLS = {1: "#b7e1c4", 2: "#e2f0a8", 3: "#ffe97a", 4: "#fbbd8a", 5: "#f4a39b"}

LABEL_WIDTH = 112
CELL_WIDTH = 92
CELL_HEIGHT = 58
TOP = 8
WIDTH = LABEL_WIDTH + 5 * CELL_WIDTH + 8
HEIGHT = TOP + 5 * CELL_HEIGHT + 64


def heat_map(hazards, stage: str) -> dict:
    """`stage` is "initial" or "residual"; `hazards` are (reference, initial severity, initial
    likelihood, residual severity, residual likelihood) rows (selectors.hazard_heat_map_rows). Rows
    run from Very high down to Very low likelihood, as the standard prints the matrix."""
    at = 1 if stage == "initial" else 3
    counts: dict[tuple[int, int], list[str]] = {}
    for row in hazards:
        counts.setdefault((row[at], row[at + 1]), []).append(row[0])
    rows = []
    for row_index, likelihood in enumerate(reversed(Likelihood)):
        y = TOP + row_index * CELL_HEIGHT
        cells = []
        for col_index, severity in enumerate(Severity):
            rating = MATRIX[likelihood][col_index]
            references = counts.get((severity.value, likelihood.value), [])
            x = LABEL_WIDTH + col_index * CELL_WIDTH
            cells.append(
                {
                    "severity": severity,
                    "rating": rating,
                    "fill": RATING_FILLS[rating],
                    "count": len(references),
                    "references": references,
                    # Joined here, once per cell: a template loop over a big log's references was
                    # most of the system page's time (1,247 hazards, each listed in two tables per map).
                    "references_html": mark_safe(", ".join(  # noqa: S308 - each reference is escaped
                        f'<span class="text-nowrap">{escape(reference)}</span>' for reference in references)),
                    "x": x,
                    "y": y,
                    "cx": x + CELL_WIDTH // 2,
                    "count_y": y + 30,
                    "rating_y": y + 50,
                }
            )
        rows.append({"likelihood": likelihood, "label_y": y + CELL_HEIGHT // 2 + 5, "cells": cells})
    columns = [
        {"severity": severity, "cx": LABEL_WIDTH + i * CELL_WIDTH + CELL_WIDTH // 2} for i, severity in enumerate(Severity)
    ]
    return {
        "stage": stage,
        "rows": rows,
        "columns": columns,
        "width": WIDTH,
        "height": HEIGHT,
        "grid_right": LABEL_WIDTH + 5 * CELL_WIDTH,
        "grid_bottom": TOP + 5 * CELL_HEIGHT,
        "column_label_y": TOP + 5 * CELL_HEIGHT + 22,
        "axis_label_y": TOP + 5 * CELL_HEIGHT + 52,
        "axis_label_x": LABEL_WIDTH + 5 * CELL_WIDTH // 2,
        "label_x": LABEL_WIDTH - 8,
        "total": sum(len(r) for r in counts.values()),
    }
