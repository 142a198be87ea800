"""End-to-end delivery of the notification outbox, with real services.

A real Celery worker subprocess (solo pool) reads the pytest test database, takes tasks
from a real Redis and sends through SMTP to an aiosmtpd sink in this process, which counts
every message it receives by Message-ID. The tests prove that:

1. a committed user action (a role assignment) is emailed exactly once, and a repeat of
   the same idempotency key, or a duplicate task message, sends nothing more;
2. with Redis down the user's action still succeeds at once, the row waits, and once
   Redis is back the worker's sweep sends it exactly once;
3. a stalled broker (accepts connections, never answers) does not hang the request, the
   row is left for the sweep, and /health/ says 503 within a few seconds; a transaction
   that queues several emails pays for the stall once, not once per email.

The worker tests need PostgreSQL (DATABASE_URL: the worker must open the same test database, and an
in-memory SQLite one cannot be shared), Redis (CELERY_BROKER_URL, else 127.0.0.1:6379) and
the redis-server binary. Without them they skip on a laptop and fail in CI (CI=true).

Every worker consumes a queue of its own, so nothing else listening on the same Redis
database can take these tasks, and stale messages from other runs never reach this worker.
"""

import email
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from email import policy
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection, transaction

from conftest import skip_or_fail
from mso_registry.models import Role
from mso_registry.services import role_assign
from notifications.models import Notification
from notifications.services import notification_enqueue, notification_queue
from tests.factories import UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 30  # every wait for the worker is bounded by this
REQUEST_BUDGET_SECONDS = 5  # a user's action must return within this, whatever the broker does


# --- Small helpers ----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(predicate, *, what: str, timeout: float = WAIT_SECONDS, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {timeout:.0f} s waiting for {what} (worker log is printed below)")
        time.sleep(interval)


def _redis_client(url: str):
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    # One try only: redis-py would otherwise retry a dead server a few times.
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2, retry=Retry(NoBackoff(), 0))


def _redis_answers(url: str) -> bool:
    try:
        return bool(_redis_client(url).ping())
    except Exception:  # noqa: BLE001 - any failure means "not there"
        return False


def _status(notification: Notification) -> str:
    return Notification.objects.values_list("status", flat=True).get(pk=notification.pk)


def _quickly(action):
    """Run a user's action and return (result, seconds taken)."""
    started = time.monotonic()
    result = action()
    return result, time.monotonic() - started


# --- Services -----------------------------------------------------------------------------


class SmtpSink:
    """aiosmtpd handler: keeps every message and counts them by Message-ID."""

    def __init__(self):
        self._lock = threading.Lock()
        self.by_message_id = Counter()
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self._lock:
            self.by_message_id[str(message["Message-ID"]).strip()] += 1
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def count(self, message_id: str) -> int:
        with self._lock:
            return self.by_message_id[message_id]

    def total(self) -> int:
        with self._lock:
            return len(self.messages)


@pytest.fixture
def smtp_sink():
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        skip_or_fail("Delivery integration tests need aiosmtpd (requirements-dev.txt)")

    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=_free_port())
    controller.start()
    sink.url = f"smtp://127.0.0.1:{controller.port}"
    yield sink
    controller.stop()
    print(f"SMTP sink received {sink.total()} message(s): {dict(sink.by_message_id)}")


@pytest.fixture
def worker_database_url(transactional_db):
    """DATABASE_URL of the test database itself, for the worker subprocess."""
    if connection.vendor != "postgresql":
        skip_or_fail(
            "Delivery integration tests need PostgreSQL (set DATABASE_URL): the Celery worker "
            f"cannot share this {connection.vendor} test database"
        )
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"


@pytest.fixture
def shared_redis_url(worker_database_url):
    """The Redis this run was given (CELERY_BROKER_URL), or the local default."""
    url = os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/0"
    if not url.startswith("redis://"):
        skip_or_fail(f"Delivery integration tests need a redis:// broker, not {url}")
    if not _redis_answers(url):
        skip_or_fail(f"Delivery integration tests need Redis at {url}")
    return url


class RedisServer:
    """A redis-server of this test's own, so that it can be stopped and started again."""

    def __init__(self, directory: Path):
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.directory = directory
        self.log_path = directory / "redis.log"
        self.process = None

    def start(self):
        assert self.process is None, "redis-server is already running"
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen(
                [
                    shutil.which("redis-server"),
                    "--port", str(self.port),
                    "--bind", "127.0.0.1",
                    "--save", "",
                    "--appendonly", "no",
                    "--dir", str(self.directory),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        _wait_for(lambda: _redis_answers(self.url), what=f"redis-server on port {self.port}", timeout=10)

    def stop(self):
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


@pytest.fixture
def own_redis(worker_database_url, tmp_path):
    if not shutil.which("redis-server"):
        skip_or_fail("Delivery integration tests need the redis-server binary")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()
    print(f"--- redis-server log ---\n{server.log_path.read_text(errors='replace')}")


@pytest.fixture
def stalled_broker():
    """A TCP listener that accepts connections and never says a word: a hung Redis."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.settimeout(0.1)  # so that the thread notices the end of the test
    accepted = []
    done = threading.Event()

    def accept_forever():
        while not done.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            accepted.append(conn)  # kept open, never read from, never answered

    thread = threading.Thread(target=accept_forever, name="stalled-broker", daemon=True)
    thread.start()
    yield type("Stalled", (), {"url": f"redis://127.0.0.1:{listener.getsockname()[1]}/0", "accepted": accepted})
    done.set()
    thread.join(timeout=5)
    listener.close()
    for conn in accepted:
        conn.close()


class Worker:
    def __init__(self, process, log_path, queue, broker_url):
        self.process = process
        self.log_path = log_path
        self.queue = queue
        self.broker_url = broker_url

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@pytest.fixture
def start_worker(worker_database_url, smtp_sink, tmp_path):
    """Start `celery -A config worker --pool=solo` on a broker, against the test database and
    the SMTP sink; it consumes a queue of its own. Always stopped, and its log printed, at the end."""
    workers = []

    def start(broker_url: str, **extra_env) -> Worker:
        queue = f"medsafety-it-{uuid.uuid4().hex[:12]}"
        log_path = tmp_path / f"worker-{len(workers) + 1}.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": worker_database_url,
            "CONN_MAX_AGE": "0",  # no idle connection left to hold up the test database's flush
            "CELERY_BROKER_URL": broker_url,
            "EMAIL_URL": smtp_sink.url,
            "PYTHONUNBUFFERED": "1",
            **extra_env,
        }
        command = [
            sys.executable, "-m", "celery", "-A", "config", "worker",
            "--pool=solo", "--loglevel=INFO", "--queues", queue, "--hostname", f"{queue}@%h",
            "--without-mingle", "--without-gossip", "--without-heartbeat",
        ]  # fmt: skip
        with open(log_path, "w") as log:
            process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        worker = Worker(process, log_path, queue, broker_url)
        workers.append(worker)

        def ready():
            if process.poll() is not None:
                pytest.fail(f"The Celery worker exited early with code {process.returncode}")
            return f"{queue}@" in worker.log() and " ready." in worker.log()

        _wait_for(ready, what="the Celery worker to be ready")
        return worker

    yield start

    for worker in workers:
        if worker.process.poll() is None:
            worker.process.terminate()  # warm shutdown
            try:
                worker.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()
        print(f"--- Celery worker log ({worker.queue}, exit code {worker.process.returncode}) ---\n{worker.log()}")
        _forget_queue(worker.broker_url, worker.queue)


def _forget_queue(broker_url: str, queue: str):
    """Leave nothing of a test queue behind on a Redis that others share."""
    if not _redis_answers(broker_url):
        return
    client = _redis_client(broker_url)
    for key in client.scan_iter(match=f"*{queue}*"):
        client.delete(key)
    for member in client.smembers("_kombu.binding.celery.pidbox"):  # the worker's remote control
        if queue.encode() in member:
            client.srem("_kombu.binding.celery.pidbox", member)


@pytest.fixture
def publish_to(settings, monkeypatch):
    """Switch this process from eager tasks to a real broker. The Celery app read Django's
    settings once, so its conf is changed directly, and its pools are dropped on every
    switch; all is put back at the end. Celery prefers the CELERY_BROKER_URL environment
    variable to its conf, so that is switched too."""
    from kombu import pools

    from config.celery_app import app
    from notifications import services

    keys = ("task_always_eager", "broker_url", "task_default_queue")
    saved = {key: app.conf[key] for key in keys}

    def drop_connections():
        if app._pool is not None:
            app._pool.force_close_all()
        app._pool = None
        app.__dict__.pop("amqp", None)  # queues, router and producer pool are cached on it
        pools.reset()

    def switch(broker_url: str, queue: str):
        drop_connections()
        # A failure of the broker used before says nothing about this one.
        monkeypatch.setattr(services, "_enqueue_paused_until", 0.0, raising=False)
        app.conf.update(task_always_eager=False, broker_url=broker_url, task_default_queue=queue)
        monkeypatch.setenv("CELERY_BROKER_URL", broker_url)
        monkeypatch.delenv("CELERY_BROKER_READ_URL", raising=False)
        monkeypatch.delenv("CELERY_BROKER_WRITE_URL", raising=False)
        assert app.connection_for_write().as_uri(include_password=True) == broker_url
        settings.CELERY_TASK_ALWAYS_EAGER = False  # read by /health/
        settings.CELERY_BROKER_URL = broker_url

    yield switch

    drop_connections()
    app.conf.update(saved)  # monkeypatch puts the environment back


def _assign_role(actor, organisation, role=Role.STAFF):
    user = UserFactory()
    assignment = role_assign(actor=actor, user=user, role=role, organisation=organisation)
    return Notification.objects.get(idempotency_key=f"role-assigned:{assignment.pk}")


def _queue_email(label: str) -> Notification:
    return notification_queue(
        recipient="someone@trust.example",
        subject=label,
        template="mso_registry/email/role_assigned",
        context={"person": "Someone", "role": "Staff", "organisation": "Test", "start_date": "1 April 2025"},
        idempotency_key=f"test:{label}:{uuid.uuid4().hex}",
    )


def _barrier(sink: SmtpSink, label: str):
    """Send one more email through the worker's queue and wait for it. The worker takes its
    queue in order, one task at a time, so once this one is in, every message queued before
    it has been dealt with. The task is published directly: after a broker failure the outbox
    leaves new rows to the sweep for a while."""
    from notifications.tasks import deliver_notification

    notification = _queue_email(f"barrier {label}")
    deliver_notification.apply_async(args=[notification.pk], retry=False)
    _wait_for(lambda: sink.count(notification.message_id) == 1, what=f"the barrier email {label!r}")


# --- 1. Delivered exactly once ----------------------------------------------------------------


def test_committed_role_assignment_is_emailed_exactly_once(
    shared_redis_url, start_worker, publish_to, smtp_sink, registry_admin, riverside, client
):
    worker = start_worker(shared_redis_url)
    publish_to(shared_redis_url, worker.queue)

    notification, seconds = _quickly(lambda: _assign_role(registry_admin, riverside, Role.MSO))
    assert seconds < REQUEST_BUDGET_SECONDS

    _wait_for(lambda: _status(notification) == Notification.Status.SENT, what="the row to be marked sent")
    _wait_for(lambda: smtp_sink.count(notification.message_id) == 1, what="the email at the SMTP sink")
    notification.refresh_from_db()
    assert notification.attempts == 1
    assert notification.sent_at is not None
    [received] = [m for m in smtp_sink.messages if str(m["Message-ID"]).strip() == notification.message_id]
    assert received["To"] == notification.recipient
    assert received["Subject"] == f"You are now Medication Safety Officer for {riverside.name}"

    # The same action queued again under the same idempotency key gives the same row and no task.
    again = notification_queue(
        recipient=notification.recipient,
        subject=notification.subject,
        template=notification.template,
        context=notification.context,
        idempotency_key=notification.idempotency_key,
    )
    assert again.pk == notification.pk
    assert Notification.objects.filter(idempotency_key=notification.idempotency_key).count() == 1
    # A duplicate task message for a sent row (a redelivery, a retry) sends nothing either.
    assert notification_enqueue(notification_id=notification.pk) is True

    _barrier(smtp_sink, "after duplicates")
    assert smtp_sink.count(notification.message_id) == 1
    assert _status(notification) == Notification.Status.SENT

    response = client.get("/health/")
    assert response.status_code == 200, response.content
    assert response.json()["broker"] == "ok"


# --- 2. Redis down during the action ------------------------------------------------------------


def test_action_succeeds_with_redis_down_and_sweep_sends_once_it_is_back(
    own_redis, start_worker, publish_to, smtp_sink, registry_admin, riverside, settings
):
    settings.NOTIFICATION_SWEEP_GRACE_SECONDS = 0  # the sweep may send the row at once
    worker = start_worker(own_redis.url)
    publish_to(own_redis.url, worker.queue)

    own_redis.stop()
    notification, seconds = _quickly(lambda: _assign_role(registry_admin, riverside))
    assert seconds < REQUEST_BUDGET_SECONDS, f"the role assignment took {seconds:.1f} s with Redis down"
    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING
    assert notification.attempts == 0

    own_redis.start()
    time.sleep(0.5)
    assert _status(notification) == Notification.Status.PENDING, "nothing but the sweep should send it"
    assert smtp_sink.count(notification.message_id) == 0

    # What beat would do every minute: the sweep, through the broker, run by the worker.
    from notifications.tasks import sweep_pending_notifications

    sweep_pending_notifications.apply_async(retry=False)
    _wait_for(lambda: _status(notification) == Notification.Status.SENT, what="the sweep to send the row")
    _wait_for(lambda: smtp_sink.count(notification.message_id) == 1, what="the email at the SMTP sink")

    sweep_pending_notifications.apply_async(retry=False)  # a second sweep finds nothing to do
    _barrier(smtp_sink, "after second sweep")
    assert smtp_sink.count(notification.message_id) == 1
    assert smtp_sink.total() == 2  # the row and the barrier, nothing else


# --- 3. A stalled broker ------------------------------------------------------------------------


def test_stalled_broker_does_not_hang_a_role_assignment_and_health_says_503(
    stalled_broker, shared_redis_url, start_worker, publish_to, smtp_sink, registry_admin, riverside, client, settings
):
    settings.NOTIFICATION_SWEEP_GRACE_SECONDS = 0
    worker = start_worker(shared_redis_url)  # on the real Redis, for the sweep afterwards
    publish_to(stalled_broker.url, worker.queue)

    notification, seconds = _quickly(lambda: _assign_role(registry_admin, riverside))
    assert seconds < REQUEST_BUDGET_SECONDS, f"the role assignment took {seconds:.1f} s on a stalled broker"
    assert stalled_broker.accepted, "the publish never reached the stalled listener"
    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING
    assert notification.attempts == 0

    response, seconds = _quickly(lambda: client.get("/health/"))
    assert response.status_code == 503, response.content
    assert response.json()["broker"] == "down"
    assert seconds < REQUEST_BUDGET_SECONDS, f"/health/ took {seconds:.1f} s on a stalled broker"

    # The broker answers again: the sweep sends the row, once.
    from notifications.tasks import sweep_pending_notifications

    publish_to(shared_redis_url, worker.queue)
    sweep_pending_notifications.apply_async(retry=False)
    _wait_for(lambda: smtp_sink.count(notification.message_id) == 1, what="the email at the SMTP sink")
    _wait_for(lambda: _status(notification) == Notification.Status.SENT, what="the sweep to send the row")
    _barrier(smtp_sink, "after sweep")
    assert smtp_sink.count(notification.message_id) == 1


def test_stalled_broker_costs_one_timeout_however_many_emails_a_transaction_queues(stalled_broker, publish_to):
    """An action that queues several emails (a role the national registry is told about, a
    handover) pays for the stalled broker once, not once per email. Needs no worker."""
    publish_to(stalled_broker.url, "medsafety-it-stalled")

    def action():
        with transaction.atomic():  # the on-commit tasks are queued when this block ends
            return [_queue_email(f"stalled {n}") for n in range(3)]

    notifications, seconds = _quickly(action)
    assert seconds < REQUEST_BUDGET_SECONDS, f"three emails took {seconds:.1f} s to queue on a stalled broker"
    assert stalled_broker.accepted, "the publish never reached the stalled listener"
    for notification in notifications:
        notification.refresh_from_db()
        assert notification.status == Notification.Status.PENDING  # left for the sweep
        assert notification.attempts == 0
