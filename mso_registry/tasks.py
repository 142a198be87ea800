from celery import shared_task

from .services import reminders
from .services.communications import communication_reminders_send


@shared_task
def send_registry_reminders() -> dict:
    """Hourly from Celery beat: overdue handover items, MSO vacancies, yearly record confirmations (each sent once)."""
    return {
        "overdue_items": reminders.handover_overdue_item_reminders(),
        "vacancies": reminders.vacancy_alerts(),
        "confirmations": reminders.record_confirmation_reminders(),
    }


@shared_task
def send_communication_reminders() -> dict:
    """Hourly: national communications past their deadline: reminder, then the board director (each once)."""
    return communication_reminders_send()
