"""Celery tasks: thin wrappers around services."""

from celery import shared_task

from . import candour_services, services
from .actions import actions_chase_overdue


@shared_task
def chase_overdue_escalations() -> int:
    """Hourly from Celery beat: each escalation past its acknowledgement date is chased once."""
    return services.escalations_chase_overdue()


@shared_task
def chase_overdue_actions() -> int:
    """Hourly from Celery beat: an overdue action is chased once to its owner, then once to the MSO team."""
    return actions_chase_overdue()


@shared_task
def refresh_national_summary() -> int:
    """Hourly from Celery beat: the national dashboard's figures."""
    return services.incident_summary_refresh()


@shared_task
def chase_overdue_candour() -> int:
    """Hourly from Celery beat: overdue duty of candour, once to the MSO team, then once to the director."""
    return candour_services.candour_chase_overdue()
