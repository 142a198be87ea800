"""Run by run.py beside the report-form load: a national communication to every organisation, drafted and
sent, then a pause as long as the send took, again and again until SIGTERM; then everything it made is
removed. The pause leaves about half of the load's report POSTs outside any send. run.py compares the POSTs
that overlapped a send (each send's wall-clock start and end go to RESULT_JSON) with those of the runs
without a sender just before and after. Sent back to back, the sends were also a CPU and WAL load of three national
communications a second, which no day at the registry comes near. Before issue 14, each send held the
audit trail's single lock while it wrote its 1,500 copies and outbox rows, and every report in the country
waited for it.

Organisations are topped up to BENCH_COMMUNICATION_ORGANISATIONS (1,500) with recipients of its own (ODS
codes Z0000 ...), removed at the end so that the other pages keep the dataset's size. The outbox rows are
written as in production; delivering them is a worker's job, not part of this measurement.

It runs at the lowest CPU priority, in a session (autogroup) of its own, and so does its PostgreSQL backend
(BENCH_SENDER_NICE, 19; 0 to share the CPU equally): on a 2-core machine that the report load already fills, a send at equal priority takes the CPU
from the reports whatever the locks do, and the case would measure the machine's size. At low priority any
lock a report had to wait for would be held by a process the kernel starves, so a report that ever waited on
a send would be far slower, not a little. Its backend's pid goes to RESULT_JSON with the suffix .backend,
for lockwatch.py.

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
    from django.db import connection

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
    nice = int(os.environ.get("BENCH_SENDER_NICE", "19"))
    connection.ensure_connection()
    backend = connection.connection.info.backend_pid
    if nice:
        # With the kernel's autogroup scheduling (sched_autogroup_enabled), a process's nice counts only
        # against its own session: a session of its own, with the group's nice, yields to gunicorn's.
        os.setsid()
        try:
            Path("/proc/self/autogroup").write_text(str(nice))
        except OSError:
            pass  # no autogroups here: the nice below is enough
        os.nice(nice)
        try:
            os.setpriority(os.PRIO_PROCESS, backend, nice)  # the backend is PostgreSQL's process, not ours
        except OSError as error:  # not root, or PostgreSQL on another machine: say so, and go on
            print(f"sender: could not lower the priority of PostgreSQL backend {backend}: {error}", flush=True)
    result_file.with_suffix(".backend").write_text(str(backend))
    made, sends, organisations = [], [], 0
    try:
        while not _stop:
            communication = communication_create(
                actor=admin, title=f"Bench national communication {len(made) + 1}",
                kind=NationalCommunication.Kind.SAFETY_UPDATE, body="Measured by make bench; removed afterwards.",
            )
            made.append(communication.pk)
            started = time.time()
            organisations = communication_send(actor=admin, communication=communication)
            sends.append((started, time.time()))
            pause_until = time.monotonic() + (sends[-1][1] - started)
            while not _stop and time.monotonic() < pause_until:
                time.sleep(0.05)
    finally:
        for pk in made:
            Notification.objects.filter(idempotency_key__startswith=f"national-communication:{pk}:").delete()
        NationalCommunication.objects.filter(pk__in=made).delete()
        Organisation.objects.filter(name__startswith=EXTRA_NAME, ods_code__startswith="Z").delete()
        result_file.write_text(json.dumps({
            "sends": len(sends),
            "organisations": organisations,
            "send_seconds_median": round(statistics.median(end - start for start, end in sends), 2) if sends else None,
            "nice": nice,
            "intervals": sends,
        }))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
