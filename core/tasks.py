"""Publishing a Celery task from a request without letting the broker fail or stall the request.

Shared by the outbox (notifications) and the audit sealer: one pause for the whole process, so a
stalled Redis costs one socket timeout, not one per task a request queues."""

import logging
import time

logger = logging.getLogger(__name__)

# After a broker failure this process leaves new work to the periodic sweeps for a while instead of
# trying again: a stalled Redis costs a whole socket timeout per try, and an action that queues
# several tasks (emails, an audit seal) would pay it for each of them.
PAUSE_AFTER_BROKER_FAILURE_SECONDS = 30
_paused_until = 0.0  # time.monotonic() value


def publish_or_leave_to_sweep(task, args: list, *, what: str, sweep_will: str, countdown: float | None = None) -> bool:
    """Publish a task (to run `countdown` seconds from now, if given), or leave its work to the beat sweep
    if the broker failed just now or fails now. Never raises: the caller's change has already committed."""
    global _paused_until
    eager = task.app.conf.task_always_eager  # no broker, nothing to pause
    if not eager and time.monotonic() < _paused_until:
        logger.warning("Broker failed recently; %s left to the sweep", what)
        return False
    try:
        task.apply_async(args=args, retry=False, countdown=countdown)
    except Exception:  # noqa: BLE001 - any broker failure must leave the request alone
        if not eager:
            _paused_until = time.monotonic() + PAUSE_AFTER_BROKER_FAILURE_SECONDS
        logger.warning("Could not queue %s; the sweep will %s", what, sweep_will, exc_info=True)
        return False
    return True
