"""Moved to core/domain.py (the leaf kernel); this alias goes once every importer uses core."""

from core.domain import *  # noqa: F401,F403
