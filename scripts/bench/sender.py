"""Run by run.py beside the report-form load: a national communication to every organisation, drafted and
sent again and again until SIGTERM, then everything it made is removed. Before issue 14, each send held the
audit trail's single lock while it wrote its 1,500 copies and outbox rows, and every report in the country
waited for it.

Organisations are topped up to BENCH_COMMUNICATION_ORGANISATIONS (1,500) with recipients of its own (ODS
codes Z0000 ...), removed at the end so that the other pages keep the dataset's size. The outbox rows are
written as in production; delivering them is a worker's job, not part of this measurement.

Usage: sender.py RESULT_JSON"""

import json
import os
import signal
import statistics
import sys
import time
from pathlib import Path

EXTRA_NAME = "Bench communication recipient"
_stop = False


def _stop_after_this_send(signum, frame):
    global _stop
    _stop = True


def main(result_file: Path) -> None:
    signal.signal(signal.SIGTERM, _stop_after_this_send)
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the project, as run.py has it
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from mso_registry.models import NationalCommunication, Organisation, OrganisationType, Region
    from mso_registry.services import communication_create, communication_send
    from notifications import services as outbox
    from notifications.models import Notification
    from users.models import User

    sys.path.insert(0, str(Path(__file__).parent))
    import dataset

    outbox.notifications_enqueue_many = lambda **kwargs: False  # rows written, delivery left to a worker
    wanted = int(os.environ.get("BENCH_COMMUNICATION_ORGANISATIONS", "1500"))
    missing = max(0, wanted - Organisation.objects.count())
    Organisation.objects.bulk_create(
        [
            Organisation(
                name=f"{EXTRA_NAME} {n}", ods_code=f"Z{n:04d}", organisation_type=OrganisationType.NHS_TRUST,
                region=Region.LONDON, generic_mso_email=f"z{n:04d}.mso@bench.example",
                listed_mailbox=f"z{n:04d}.mso@bench.example",
            )
            for n in range(missing)
        ],
        ignore_conflicts=True,
    )
    admin = User.objects.get(email=dataset.BENCH_USERS["registry"])
    made, seconds, organisations = [], [], 0
    try:
        while not _stop:
            communication = communication_create(
                actor=admin, title=f"Bench national communication {len(made) + 1}",
                kind=NationalCommunication.Kind.SAFETY_UPDATE, body="Measured by make bench; removed afterwards.",
            )
            made.append(communication.pk)
            started = time.monotonic()
            organisations = communication_send(actor=admin, communication=communication)
            seconds.append(time.monotonic() - started)
    finally:
        for pk in made:
            Notification.objects.filter(idempotency_key__startswith=f"national-communication:{pk}:").delete()
        NationalCommunication.objects.filter(pk__in=made).delete()
        Organisation.objects.filter(name__startswith=EXTRA_NAME, ods_code__startswith="Z").delete()
        result_file.write_text(json.dumps({
            "sends": len(seconds),
            "organisations": organisations,
            "send_seconds_median": round(statistics.median(seconds), 2) if seconds else None,
        }))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
