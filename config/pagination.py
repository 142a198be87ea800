"""Moved to core/pagination.py (the leaf kernel); this alias goes once every importer uses core."""

from core.pagination import *  # noqa: F401,F403
