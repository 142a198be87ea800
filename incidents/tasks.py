"""Celery tasks: thin wrappers around services."""

from celery import shared_task

from . import services


@shared_task
def chase_overdue_escalations() -> int:
    """Meant to run daily from Celery beat: its entry in settings.CELERY_BEAT_SCHEDULE is still to be added."""
    return services.escalations_chase_overdue()


@shared_task
def refresh_national_summary() -> int:
    """Hourly from Celery beat: the national dashboard's figures."""
    return services.incident_summary_refresh()
