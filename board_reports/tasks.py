"""Beat's part in the monthly report: thin wrappers that call the services."""

from celery import shared_task

from . import services


@shared_task
def prepare_monthly_board_reports() -> int:
    """Daily; makes last month's drafts only on the first working day of the month."""
    return services.board_reports_prepare_month()


@shared_task
def remind_unissued_board_reports() -> int:
    return services.board_reports_remind()
