from celery import shared_task

from . import delivery


@shared_task(acks_late=True)
def deliver_lfpse_submission(submission_id: int) -> None:
    delivery.lfpse_deliver(submission_id=submission_id)


@shared_task
def sweep_lfpse_submissions() -> int:
    return delivery.lfpse_sweep()
