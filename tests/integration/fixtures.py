"""Real services for the integration and fault tests, shared so that they are written once.

- `smtp_sink`: an aiosmtpd SMTP server in this process that keeps every message and counts
  them by Message-ID; it can be made slow (`rcpt_delay`, `data_delay`) so that a worker can be
  killed in the middle of a send.
- `worker_database_url`: the pytest test database as a URL for subprocesses (PostgreSQL only:
  another process cannot open an in-memory SQLite database).
- `shared_redis_url`: the Redis this run was given; `own_redis`: a redis-server of the test's
  own that it may stop and start; `stalled_broker`: a TCP listener that never answers.
- `start_worker`: `celery worker --pool=solo` subprocesses on a queue of their own.
- `publish_to`: switches this process from eager tasks to a real broker.
- `queue_email`, `barrier`, `status_of`: an outbox row to send, and a way to wait until the
  worker has dealt with everything queued before it.

Use them with `from tests.integration.fixtures import *  # noqa: F403` in a test module or a
conftest. A missing service skips on a laptop and fails in CI (`skip_or_fail`).
"""

import asyncio
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
from django.db import connection

from conftest import skip_or_fail
from notifications.models import Notification
from notifications.services import notification_queue

__all__ = [
    "PROJECT_ROOT", "WAIT_SECONDS", "REQUEST_BUDGET_SECONDS", "free_port", "wait_for", "redis_client",
    "redis_answers", "quickly", "SmtpSink", "RedisServer", "Worker",
    "smtp_sink", "worker_database_url", "shared_redis_url", "own_redis", "stalled_broker", "start_worker",
    "publish_to", "database_url_of", "queue_email", "barrier", "status_of",
]  # fmt: skip

PROJECT_ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 30  # every wait for the worker is bounded by this
REQUEST_BUDGET_SECONDS = 5  # a user's action must return within this, whatever the broker does


# --- Small helpers ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(predicate, *, what: str, timeout: float = WAIT_SECONDS, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {timeout:.0f} s waiting for {what} (worker log is printed below)")
        time.sleep(interval)


def redis_client(url: str):
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    # One try only: redis-py would otherwise retry a dead server a few times.
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2, retry=Retry(NoBackoff(), 0))


def redis_answers(url: str) -> bool:
    try:
        return bool(redis_client(url).ping())
    except Exception:  # noqa: BLE001 - any failure means "not there"
        return False


def quickly(action):
    """Run a user's action and return (result, seconds taken)."""
    started = time.monotonic()
    result = action()
    return result, time.monotonic() - started


# --- Services -----------------------------------------------------------------------------


class SmtpSink:
    """aiosmtpd handler: keeps every message and counts them by Message-ID.

    A message counts as received once its whole content has arrived, before the "250" reply:
    that is when a real mail server has taken it. `rcpt_delay` makes the sink slow to accept a
    recipient (nothing of the message has arrived yet); `data_delay` makes it slow to say "250"
    after the message has arrived. `rcpt_seen` and `data_seen` are set when each happens, so a
    test can kill the sender at exactly that point."""

    def __init__(self):
        self._lock = threading.Lock()
        self.by_message_id = Counter()
        self.messages = []
        self.rcpt_delay = 0.0
        self.data_delay = 0.0
        self.rcpt_seen = threading.Event()
        self.data_seen = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpt_seen.set()
        if self.rcpt_delay:
            await asyncio.sleep(self.rcpt_delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self._lock:
            self.by_message_id[str(message["Message-ID"]).strip()] += 1
            self.messages.append(message)
        self.data_seen.set()
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        return "250 Message accepted for delivery"

    def count(self, message_id: str) -> int:
        with self._lock:
            return self.by_message_id[message_id]

    def total(self) -> int:
        with self._lock:
            return len(self.messages)

    def distinct(self) -> int:
        with self._lock:
            return len(self.by_message_id)

    def duplicates(self) -> dict[str, int]:
        with self._lock:
            return {message_id: n for message_id, n in self.by_message_id.items() if n > 1}


@pytest.fixture
def smtp_sink():
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        skip_or_fail("Integration tests need aiosmtpd (requirements-dev.txt)")

    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    sink.url = f"smtp://127.0.0.1:{controller.port}"
    yield sink
    controller.stop()
    print(f"SMTP sink received {sink.total()} message(s): {dict(sink.by_message_id)}")


def database_url_of(settings_dict: dict, name: str | None = None) -> str:
    """A postgres:// URL for a Django database settings dict (for subprocesses)."""
    credentials = quote(settings_dict["USER"] or "", safe="")
    if settings_dict["PASSWORD"]:
        credentials += ":" + quote(settings_dict["PASSWORD"], safe="")
    host = settings_dict["HOST"] or "127.0.0.1"
    port = f":{settings_dict['PORT']}" if settings_dict["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(name or settings_dict['NAME'], safe='')}"


@pytest.fixture
def worker_database_url(transactional_db):
    """DATABASE_URL of the test database itself, for the worker subprocess."""
    if connection.vendor != "postgresql":
        skip_or_fail(
            "Integration tests need PostgreSQL (set DATABASE_URL): a Celery worker "
            f"cannot share this {connection.vendor} test database"
        )
    return database_url_of(connection.settings_dict)


@pytest.fixture
def shared_redis_url(worker_database_url):
    """The Redis this run was given (CELERY_BROKER_URL), or the local default."""
    url = os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/0"
    if not url.startswith("redis://"):
        skip_or_fail(f"Integration tests need a redis:// broker, not {url}")
    if not redis_answers(url):
        skip_or_fail(f"Integration tests need Redis at {url}")
    return url


class RedisServer:
    """A redis-server of this test's own, so that it can be stopped and started again."""

    def __init__(self, directory: Path):
        self.port = free_port()
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
        wait_for(lambda: redis_answers(self.url), what=f"redis-server on port {self.port}", timeout=10)

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
        skip_or_fail("Integration tests need the redis-server binary")
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

    def kill(self):
        """SIGKILL: no warm shutdown, no chance to finish or acknowledge what it is doing."""
        self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture
def start_worker(worker_database_url, smtp_sink, tmp_path):
    """Start `celery -A config worker --pool=solo` on a broker, against the test database and
    the SMTP sink; it consumes a queue of its own. Always stopped, and its log printed, at the end."""
    workers = []

    def start(broker_url: str, queue: str | None = None, **extra_env) -> Worker:
        """`queue`: consume an earlier worker's queue (a restart); `extra_env`: settings for the worker."""
        queue = queue or f"medsafety-it-{uuid.uuid4().hex[:12]}"
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

        wait_for(ready, what="the Celery worker to be ready")
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
    if not redis_answers(broker_url):
        return
    client = redis_client(broker_url)
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
    from core import tasks as publishing

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
        monkeypatch.setattr(publishing, "_paused_until", 0.0)
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




# --- Outbox rows and a barrier ------------------------------------------------------------------


def status_of(notification: Notification) -> str:
    return Notification.objects.values_list("status", flat=True).get(pk=notification.pk)


def queue_email(label: str) -> Notification:
    """One email in the outbox (its task is published when the caller's transaction commits)."""
    return notification_queue(
        recipient="someone@trust.example",
        subject=label,
        template="mso_registry/email/role_assigned",
        context={"person": "Someone", "role": "Staff", "organisation": "Test", "start_date": "1 April 2025"},
        idempotency_key=f"test:{label}:{uuid.uuid4().hex}",
    )


def barrier(sink: SmtpSink, label: str) -> Notification:
    """Send one more email through the worker's queue and wait for it. The worker takes its
    queue in order, one task at a time, so once this one is in, every message queued before
    it has been dealt with. The task is published directly: after a broker failure the outbox
    leaves new rows to the sweep for a while."""
    from notifications.tasks import deliver_notification

    notification = queue_email(f"barrier {label}")
    deliver_notification.apply_async(args=[notification.pk], retry=False)
    wait_for(lambda: sink.count(notification.message_id) == 1, what=f"the barrier email {label!r}")
    return notification
