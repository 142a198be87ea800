"""The Making Data Count rules on hand-made series whose answer is known."""

import pytest

from core.spc import (
    RELIABLE_POINTS,
    SHIFT_LENGTH,
    TREND_LENGTH,
    Direction,
    Rule,
    Segment,
    Variation,
    shift,
    trend,
    two_in_three,
    xmr,
)

# Alternating around 11.5 with no signal: mean 11.5, mean moving range 21/11.
STABLE = [10, 12, 11, 13, 10, 12, 11, 13, 10, 12, 11, 13]


def flagged(chart, rule):
    return [i for i, point in enumerate(chart.points) if rule in point.rules]


def test_limits_are_mean_plus_minus_2_66_mean_moving_ranges():
    chart = xmr(STABLE, measure="Reports", direction=Direction.INCREASE)
    seg = chart.segments[0]
    assert seg.mean == pytest.approx(11.5)
    assert seg.mean_moving_range == pytest.approx(21 / 11)
    assert seg.upper == pytest.approx(11.5 + 2.66 * 21 / 11)
    assert seg.lower == pytest.approx(11.5 - 2.66 * 21 / 11)


def test_a_stable_series_has_no_special_cause():
    chart = xmr(STABLE, measure="Reports", direction=Direction.INCREASE)
    assert not any(point.special_cause for point in chart.points)
    assert chart.variation == Variation.COMMON_CAUSE
    assert chart.reading == (
        "Reports varied between the process limits (6.4 to 16.6) around a mean of 11.5: "
        "common cause variation, no signal."
    )
    assert chart.warnings == ()


def test_a_point_above_the_upper_limit_is_special_cause_concern_when_fewer_is_better():
    chart = xmr([*STABLE, 30], measure="Harm incidents", direction=Direction.DECREASE, labels=[f"M{i}" for i in range(13)])
    assert flagged(chart, Rule.OUTSIDE_LIMITS) == [12]
    assert chart.variation == Variation.CONCERN_HIGH
    assert chart.reading.startswith("Harm incidents in M12 (30) were above the upper process limit (")
    assert chart.reading.endswith(": special cause, concern.")


def test_the_same_point_is_improvement_when_more_is_better():
    chart = xmr([*STABLE, 30], measure="Reports", direction=Direction.INCREASE)
    assert chart.variation == Variation.IMPROVEMENT_HIGH


def test_shift_needs_seven_points_on_one_side():
    assert SHIFT_LENGTH == 7
    assert shift([1] * 6) == [False] * 6
    assert shift([1] * 7) == [True] * 7
    assert shift([-1, 1, 1, 1, 1, 1, 1, 1, -1]) == [False] + [True] * 7 + [False]


def test_a_point_on_the_mean_breaks_a_shift():
    assert shift([1, 1, 1, 0, 1, 1, 1, 1]) == [False] * 8


def test_shift_found_in_a_series_and_read_in_plain_english():
    values = [9, 11, 9, 11, 9, 11, 9, 11, 11, 11, 11, 11, 11, 11]  # the last 7 above the mean (146 / 14)
    chart = xmr(values, measure="Reports", direction=Direction.INCREASE)
    assert flagged(chart, Rule.SHIFT) == list(range(7, 14))
    assert flagged(chart, Rule.OUTSIDE_LIMITS) == flagged(chart, Rule.TREND) == flagged(chart, Rule.TWO_IN_THREE) == []
    assert chart.variation == Variation.IMPROVEMENT_HIGH
    assert chart.reading == "Reports were above the mean (10.4) for 7 months in a row: special cause, improvement."


def test_trend_needs_seven_points_each_rising_or_each_falling():
    assert TREND_LENGTH == 7
    assert trend([1, 2, 3, 4, 5, 6]) == [0] * 6
    assert trend([1, 2, 3, 4, 5, 6, 7]) == [1] * 7
    assert trend([7, 6, 5, 4, 3, 2, 1, 5]) == [-1] * 7 + [0]


def test_an_equal_value_breaks_a_trend():
    assert trend([1, 2, 3, 3, 4, 5, 6, 7]) == [0] * 8


def test_a_rising_trend_is_read_in_plain_english():
    values = [12, 10, 12, 10, 12, 10, 11, 12, 13, 14, 15, 16]
    chart = xmr(values, measure="Reports", direction=Direction.INCREASE)
    assert flagged(chart, Rule.TREND) == list(range(5, 12))
    assert chart.reading == "Reports rose for 7 months in a row: special cause, improvement."


def test_a_falling_trend_in_harm_is_improvement_even_above_the_mean():
    values = [18, 20, 18, 20, 18, 20, 22, 21, 20, 19, 18, 17, 16]  # mean 19
    chart = xmr(values, measure="Harm incidents", direction=Direction.DECREASE)
    assert chart.points[7].rules == (Rule.TREND,) and chart.points[7].side > 0
    assert chart.points[7].variation == Variation.IMPROVEMENT_LOW


SEGMENT = Segment(start=0, end=3, mean=10, mean_moving_range=1, upper=12.66, lower=7.34)  # close: beyond 11.77


def test_two_of_three_close_to_a_limit_flags_the_close_points():
    assert two_in_three([12, 11, 12], [1, 1, 1], SEGMENT) == [True, False, True]
    assert two_in_three([8, 8, 9], [-1, -1, -1], SEGMENT) == [True, True, False]


def test_two_of_three_needs_all_three_on_one_side():
    assert two_in_three([12, 9, 12], [1, -1, 1], SEGMENT) == [False, False, False]


def test_one_of_three_close_is_not_enough():
    assert two_in_three([12, 11, 11], [1, 1, 1], SEGMENT) == [False, False, False]


def test_a_point_outside_the_limit_is_not_close_to_it():
    assert two_in_three([13, 12, 11], [1, 1, 1], SEGMENT) == [False, False, False]


def test_fewer_than_twelve_points_say_the_limits_are_not_yet_reliable():
    chart = xmr(STABLE[:8], measure="Reports", direction=Direction.INCREASE)
    assert RELIABLE_POINTS == 12
    assert not chart.segments[0].reliable
    assert chart.warnings == (
        "Only 8 months in the current period: the process limits are not yet reliable (at least 12 are needed).",
    )
    assert xmr(STABLE, measure="Reports", direction=Direction.INCREASE).segments[0].reliable


@pytest.mark.parametrize("values", [[], [5]])
def test_no_limits_without_two_points(values):
    chart = xmr(values, measure="Reports", direction=Direction.INCREASE)
    assert chart.variation == Variation.NOT_ENOUGH_DATA
    assert chart.reading == "Reports: not enough months yet to calculate process limits."


def test_recalculation_after_a_process_change():
    before = [20, 22, 21, 23, 20, 22, 21, 23, 20, 22, 21, 23]
    after = [10, 12, 11, 13, 10, 12, 11, 13, 10, 12, 11, 13]
    one_period = xmr(before + after, measure="Harm incidents", direction=Direction.DECREASE)
    assert flagged(one_period, Rule.SHIFT) == list(range(24))  # a step change read as a shift
    assert one_period.variation == Variation.IMPROVEMENT_LOW

    recalculated = xmr(before + after, measure="Harm incidents", direction=Direction.DECREASE, process_changes=[12])
    assert [(s.start, s.end) for s in recalculated.segments] == [(0, 12), (12, 24)]
    assert recalculated.segments[0].mean == pytest.approx(21.5)
    assert recalculated.segments[1].mean == pytest.approx(11.5)
    assert not any(point.special_cause for point in recalculated.points)
    assert recalculated.variation == Variation.COMMON_CAUSE
    assert [p.segment for p in recalculated.points] == [0] * 12 + [1] * 12


def test_a_process_change_outside_the_series_is_ignored():
    chart = xmr(STABLE, measure="Reports", direction=Direction.INCREASE, process_changes=[0, 12, 40])
    assert len(chart.segments) == 1


def test_a_series_of_zeros_has_no_signal():
    chart = xmr([0] * 24, measure="Never Events", direction=Direction.DECREASE)
    seg = chart.segments[0]
    assert (seg.mean, seg.upper, seg.lower) == (0, 0, 0)
    assert not any(point.special_cause for point in chart.points)
    assert chart.variation == Variation.COMMON_CAUSE
    assert chart.reading == "Never Events were 0 every month: no variation, common cause variation, no signal."


def test_a_neutral_measure_is_neither_improvement_nor_concern():
    chart = xmr([*STABLE, 30], measure="Reports", direction=Direction.NEUTRAL)
    assert chart.variation == Variation.NEUTRAL_HIGH


def test_one_label_per_value():
    with pytest.raises(ValueError):
        xmr([1, 2], measure="Reports", direction=Direction.INCREASE, labels=["Jan"])


def test_a_shift_below_then_above_the_mean_is_read_as_the_latest_run_only():
    values = [4, 6] * 4 + [14, 16] * 4 + [15]  # a step: 8 below the mean, then 9 above, both shifts
    chart = xmr(values, measure="Harm incidents", direction=Direction.DECREASE)
    assert flagged(chart, Rule.SHIFT) == list(range(17)) and Rule.OUTSIDE_LIMITS not in chart.points[-1].rules
    assert chart.reading == "Harm incidents were above the mean (10.3) for 9 months in a row: special cause, concern."


def test_a_rise_after_a_fall_is_read_as_the_rise_only():
    values = [10, 16, 10, 16, 10, 16, 15, 14, 13, 12, 11, 10, 11, 12, 13, 14, 15, 16, 17]  # 7 falling, 8 rising
    chart = xmr(values, measure="Reports", direction=Direction.INCREASE)
    assert flagged(chart, Rule.TREND) == list(range(5, 19)) and not flagged(chart, Rule.OUTSIDE_LIMITS)
    assert chart.reading == "Reports rose for 8 months in a row: special cause, improvement."
