"""Celery tasks: thin wrappers around services."""

from celery import shared_task

from . import services


@shared_task
def send_hazard_review_reminders() -> int:
    """Hourly from Celery beat: hazards whose review date has passed (each date told once)."""
    return services.hazard_review_reminders_send()
