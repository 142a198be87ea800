"""Who waits for whom while a page is loaded: every 50 ms, the bench database's backends that are waiting
for a lock (pg_stat_activity, wait_event_type 'Lock') and which backends hold it (pg_blocking_pids).

Run beside the report POST while national communications are sent: it counts the samples in which a report
waited for a lock at all, and those in which the lock was held by the sender's backend. The second is the
question issue 14 asks (does a national send ever hold up a report?), answered from PostgreSQL itself rather
than read from the response times of a shared 2-core machine. It also counts what else the requests' backends
were seen waiting for (IO:WALSync, LWLock:WALWrite...): what a send costs them when it is not a lock."""

import threading
from collections import Counter
import time
import urllib.parse

SAMPLE_EVERY_SECONDS = 0.05


class LockWatch(threading.Thread):
    def __init__(self, url: str, sender_backends=lambda: set()):
        super().__init__(daemon=True)
        self.url, self.sender_backends = url, sender_backends
        self.samples = self.waiting = self.waiting_on_sender = 0
        self.most_waiting = 0
        self.waits = Counter()
        self.waiting_in = Counter()  # the statement a request waited in: "UPDATE django_session SET ..."  # "type:event" -> samples in which a request's backend was waiting for it
        self._stop_event = threading.Event()

    def run(self) -> None:
        import psycopg2

        parts = urllib.parse.urlparse(self.url)
        database = parts.path.lstrip("/")
        connection = psycopg2.connect(host=parts.hostname, port=parts.port or 5432, user=parts.username or "postgres",
                                      password=parts.password, dbname=database)
        connection.autocommit = True
        with connection.cursor() as cursor:
            while not self._stop_event.is_set():
                cursor.execute(
                    "SELECT pid, pg_blocking_pids(pid), left(query, 60) FROM pg_stat_activity "
                    "WHERE datname = %s AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
                    [database],
                )
                found = cursor.fetchall()
                rows = [(pid, blockers) for pid, blockers, _ in found]
                # What the waiting requests were doing, by the statement's opening words.
                self.waiting_in.update({" ".join(query.split()[:4]) for _, _, query in found})
                sender = self.sender_backends()
                cursor.execute(
                    "SELECT pid, wait_event_type || ':' || wait_event FROM pg_stat_activity WHERE datname = %s "
                    "AND state = 'active' AND wait_event IS NOT NULL AND pid <> pg_backend_pid()",
                    [database],
                )
                self.waits.update({event for pid, event in cursor.fetchall() if pid not in sender})
                self.samples += 1
                waiting = [pid for pid, _ in rows if pid not in sender]
                self.waiting += bool(waiting)
                self.most_waiting = max(self.most_waiting, len(waiting))
                self.waiting_on_sender += any(pid not in sender and set(blockers) & sender for pid, blockers in rows)
                time.sleep(SAMPLE_EVERY_SECONDS)
        connection.close()

    def stop(self) -> dict:
        self._stop_event.set()
        self.join(timeout=10)
        return {"samples": self.samples, "samples_with_a_request_waiting_for_a_lock": self.waiting,
                "samples_with_a_request_waiting_for_the_sender": self.waiting_on_sender,
                "most_requests_waiting_at_once": self.most_waiting,
                "requests_waiting_for": dict(self.waits.most_common(8)),
                "requests_waiting_in": dict(self.waiting_in.most_common(5))}
