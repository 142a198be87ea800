"""core.dates.date_as is Django's dateformat, kept per day and language."""

from datetime import date

from django.utils import dateformat, translation

from core.dates import date_as


def test_a_kept_date_is_dateformat_s_own_in_each_language():
    for day in (date(2026, 1, 1), date(2026, 3, 9), date(2024, 2, 29), date(2026, 12, 31)):
        for pattern in ("j M Y", "j M"):
            assert date_as(day, pattern) == dateformat.format(day, pattern)
            assert date_as(day, pattern) == dateformat.format(day, pattern)  # from the kept copy
    assert date_as(date(2026, 3, 9)) == "9 Mar 2026"
    with translation.override("de"):
        assert date_as(date(2026, 3, 9)) == dateformat.format(date(2026, 3, 9), "j M Y") == "9 Mär 2026"
    assert date_as(date(2026, 3, 9)) == "9 Mar 2026"
