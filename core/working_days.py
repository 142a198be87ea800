"""Working days in England: Monday to Friday, except England's bank holidays.

One calendar for every deadline counted in working days (an escalation's acknowledgement, the duty of
candour's first notification). The `holidays` package carries the bank holidays in its own data, so
nothing is fetched: the same answer offline, on a laptop and in production."""

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=32)
def _bank_holidays(year: int) -> frozenset[date]:
    # England's bank holidays (subdivision ENG of GB), substitute days included: when Christmas falls
    # on a Saturday the Monday after is the holiday that counts.
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_bank_holiday(day: date) -> bool:
    return day in _bank_holidays(day.year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and not is_bank_holiday(day)


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (the start day itself does not count, whatever it is)."""
    if days < 0:
        raise ValueError("Count working days forwards only.")
    current = start
    while days > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            days -= 1
    return current


def working_days_between(start: date, end: date) -> int:
    """How many working days after `start` up to and including `end`; 0 when `end` is not after `start`."""
    count, current = 0, start
    while current < end:
        current += timedelta(days=1)
        count += is_working_day(current)
    return count
