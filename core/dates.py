"""Dates as the lists show them, formatted once per day and language: Django's dateformat looks the month's
name up in the translations on every call, and a list page formats a date in each of its rows."""

from datetime import date
from functools import lru_cache

from django.utils import dateformat
from django.utils.translation import get_language


@lru_cache(maxsize=8192)
def _formatted(day: date, pattern: str, language: str | None) -> str:
    # `language` is part of the key only: dateformat reads the active one itself.
    return dateformat.format(day, pattern)


def date_as(day: date, pattern: str = "j M Y") -> str:
    """dateformat.format(day, pattern) for a date (not a time: the pattern may use only the day's letters)."""
    return _formatted(day, pattern, get_language())
