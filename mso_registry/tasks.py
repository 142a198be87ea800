from celery import shared_task

from .services import reminders


@shared_task
def send_registry_reminders() -> dict:
    """Daily: overdue handover items, MSO vacancies, yearly record confirmations (each sent once)."""
    return {
        "overdue_items": reminders.handover_overdue_item_reminders(),
        "vacancies": reminders.vacancy_alerts(),
        "confirmations": reminders.record_confirmation_reminders(),
    }
