"""Moved to core/spreadsheets.py (the leaf kernel); this alias goes once every importer uses core."""

from core.spreadsheets import *  # noqa: F401,F403
