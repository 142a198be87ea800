"""The heat map counts hazards per cell and lists their references, joined once per cell."""

from clinical_safety.heatmap import heat_map


def _cell(map_, severity, likelihood):
    return next(c for row in map_["rows"] if row["likelihood"] == likelihood for c in row["cells"]
                if c["severity"] == severity)


def test_each_cell_counts_and_lists_its_hazards_escaped():
    rows = [("H-001", 1, 1, 1, 1), ("H-002", 1, 1, 2, 1), ("<b>H-3</b>", 1, 1, 1, 1)]

    initial, residual = heat_map(rows, "initial"), heat_map(rows, "residual")

    cell = _cell(initial, 1, 1)
    assert cell["count"] == 3 and initial["total"] == 3
    assert str(cell["references_html"]) == (
        '<span class="text-nowrap">H-001</span>, <span class="text-nowrap">H-002</span>, '
        '<span class="text-nowrap">&lt;b&gt;H-3&lt;/b&gt;</span>')
    assert _cell(residual, 2, 1)["references"] == ["H-002"]
    assert str(_cell(residual, 3, 3)["references_html"]) == ""
