"""PostgreSQL restarted while staff are submitting reports to a running gunicorn.

The test builds a PostgreSQL cluster of its own (initdb into a temporary directory, a free port,
its own socket directory), so the shared server that other tests use is never touched. It
migrates and seeds it, starts gunicorn against it (DEBUG off, as in production), and has several
signed-in reporters submit incident reports in parallel while the cluster is restarted. It proves:

- every request is answered: a report is either accepted (302 to its receipt) or refused with the
  friendly "briefly unavailable" page (503, Retry-After) or the friendly 500 page, never a
  traceback and never a dropped connection;
- no half-written records: every saved report has both its medicines, its error type and its
  audit event, and every accepted report is in the database;
- the app recovers by itself (CONN_HEALTH_CHECKS): once the cluster is back, new reports are
  accepted by the same gunicorn without a restart;
- nobody is told their report failed when it was saved ("told failed but saved" is 0: nothing the
  answer depends on is written after the commit), and sending the same form again (its one-time
  submission key) after a refusal, or after a success, never makes a second report.
"""

import glob
import http.cookiejar
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from conftest import skip_or_fail
from tests.integration.fixtures import PROJECT_ROOT, free_port, wait_for

from tests.submission_keys import keys_on

from .helpers import FAULT_REPORTS, report_form

pytestmark = pytest.mark.integration

PASSWORD = "fault-test-password-1"
REPORTERS = ["staff@riverside.example", "mso@riverside.example", "director@riverside.example", "cso@riverside.example"]
# The demo organisations and accounts, without their 300 incidents a trust. The production hasher
# takes a second a password on a small machine, so the demo's 33 accounts get a fast one and the
# four reporters, who sign in to gunicorn, get the real one.
SEED = f"""
from django.conf import settings
from django.contrib.auth.hashers import get_hashers, get_hashers_by_algorithm
from django.core.management import call_command
from users.models import User

production_hashers = settings.PASSWORD_HASHERS
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
call_command("seed_demo", incidents=0)
settings.PASSWORD_HASHERS = production_hashers
get_hashers.cache_clear()
get_hashers_by_algorithm.cache_clear()
for user in User.objects.filter(email__in={REPORTERS!r}):
    user.set_password({PASSWORD!r})
    user.save(update_fields=["password"])
"""
FRIENDLY = {503: "briefly unavailable", 500: "Sorry, something went wrong"}


class PrivateCluster:
    """initdb + pg_ctl in a temporary directory; as root the server runs as the postgres user."""

    def __init__(self):
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        path_initdb = shutil.which("initdb")
        initdb = binaries[-1] if binaries else path_initdb
        if not initdb:
            skip_or_fail("The PostgreSQL restart test needs initdb and pg_ctl (apt-get install postgresql)")
        self.bin = Path(initdb).parent
        self.directory = Path(tempfile.mkdtemp(prefix="medsafety-pg-"))
        self.data = self.directory / "data"
        self.log = self.directory / "postgres.log"
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0  # initdb refuses to run as root
        if self.as_postgres:
            shutil.chown(self.directory, "postgres", "postgres")
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/medsafety_fault"

    def _run(self, *command, timeout=60):
        command = [str(c) for c in command]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"
        return result

    def pg_ctl(self, action, *extra):
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        return self._run(self.bin / "pg_ctl", action, "-D", self.data, "-l", self.log, "-w", "-t", "30",
                         "-o", options, *extra)  # fmt: skip

    def create(self):
        self._run(self.bin / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        self.pg_ctl("start")
        self._run(self.bin / "createdb", "-h", self.directory, "-p", self.port, "-U", "postgres", "medsafety_fault")

    def destroy(self):
        if (self.data / "postmaster.pid").exists():
            try:
                self.pg_ctl("stop", "-m", "immediate")
            except AssertionError:
                pass
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def private_postgres():
    if connection.vendor != "postgresql":  # a laptop on SQLite runs no services, so none of the fault tests
        skip_or_fail(f"The PostgreSQL restart test runs where the app's database is PostgreSQL, not {connection.vendor}")
    cluster = PrivateCluster()
    try:
        cluster.create()
        yield cluster
    finally:
        log = cluster.log.read_text(errors="replace") if cluster.log.exists() else ""
        print(f"--- private PostgreSQL log (last lines) ---\n{log[-3000:]}")
        cluster.destroy()


def _env(cluster):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "EMAIL_"))}
    env.update(
        DATABASE_URL=cluster.url, DJANGO_DEBUG="false", DEMO_PASSWORD=PASSWORD, PYTHONUNBUFFERED="1",
        CONN_MAX_AGE="60", LOG_LEVEL="WARNING",
    )  # fmt: skip
    return env


@pytest.fixture
def gunicorn(private_postgres, tmp_path):
    env = _env(private_postgres)
    for command in (["migrate", "--no-input", "-v", "0"], ["shell", "-c", SEED]):
        result = subprocess.run([sys.executable, "manage.py", *command], cwd=PROJECT_ROOT, env=env,
                                capture_output=True, text=True, timeout=180)  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
    port = free_port()
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", "2", "--threads", "4", "--timeout", "30"],
            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    wait_for(lambda: _answers(f"{url}/health/"), what="gunicorn to answer", timeout=30)
    yield type("Server", (), {"url": url, "process": process, "log": log_path})
    process.terminate()
    process.wait(timeout=15)
    print(f"--- gunicorn log (last lines) ---\n{log_path.read_text(errors='replace')[-3000:]}")


def _answers(url):
    try:
        urllib.request.urlopen(url, timeout=2)
        return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Reporter:
    """A browser-like client: cookies, CSRF token, no redirects followed."""

    def __init__(self, base_url):
        self.base = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def request(self, path, data=None):
        body = None
        if data is not None:
            data = {**data, "csrfmiddlewaretoken": self.csrf()}
            body = urllib.parse.urlencode(data, doseq=True).encode()
        request = urllib.request.Request(self.base + path, data=body, headers={"Referer": self.base + path})
        try:
            with self.opener.open(request, timeout=20) as response:
                return response.status, dict(response.headers), response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode(errors="replace")

    def csrf(self):
        return next((c.value for c in self.jar if c.name == "csrftoken"), "")

    def form_key(self, stop=None):
        """The submission key of a freshly shown report form, asking again while the database is away."""
        while True:
            try:
                status, _, body = self.request("/incidents/report/")
            except OSError:
                status, body = -1, ""
            if status == 200:
                return keys_on(body)[0]
            if stop is not None and stop.is_set():
                return None
            time.sleep(0.2)

    def sign_in(self, email):
        self.request("/accounts/login/")
        status, headers, _ = self.request("/accounts/login/", {"login": email, "password": PASSWORD})
        assert status == 302, f"sign-in of {email} answered {status}"
        self.request("/incidents/report/")  # a fresh CSRF token after signing in


def _database_counts(cluster):
    import psycopg2

    with psycopg2.connect(host="127.0.0.1", port=cluster.port, user="postgres", dbname="medsafety_fault") as conn:
        with conn.cursor() as cursor:
            cursor.execute(
                """
                SELECT i.description,
                       (SELECT count(*) FROM incidents_incidentmedicine m WHERE m.incident_id = i.id),
                       (SELECT count(*) FROM incidents_incidenterrortype e WHERE e.incident_id = i.id),
                       (SELECT count(*) FROM audit_auditevent a
                         WHERE a.action = 'incident.reported' AND a.object_id = i.id::text)
                FROM incidents_medicationincident i
                WHERE i.description LIKE 'Fault test report %%'
                """
            )
            return cursor.fetchall()


def test_postgres_restart_under_load_fails_cleanly_loses_nothing_and_recovers(private_postgres, gunicorn, fault_figures):
    reporters = []
    for email in REPORTERS:
        reporter = Reporter(gunicorn.url)
        reporter.sign_in(email)
        reporters.append(reporter)

    results = []  # (status, headers, body, seconds)
    sent = []  # (reporter, the form as sent with its key, status)
    lock = threading.Lock()
    stop = threading.Event()

    def submit(reporter, number):
        n = 0
        while not stop.is_set():
            key = reporter.form_key(stop)
            if key is None:
                break
            form = report_form(number * 1000 + n, submission_key=key)
            started = time.monotonic()
            try:
                status, headers, body = reporter.request("/incidents/report/", form)
            except OSError as error:  # a dropped connection is a failure of its own
                status, headers, body = -1, {}, repr(error)
            with lock:
                results.append((status, headers, body, time.monotonic() - started))
                sent.append((reporter, form, status))
            n += 1

    threads = [threading.Thread(target=submit, args=(r, i), daemon=True) for i, r in enumerate(reporters)]
    for thread in threads:
        thread.start()
    # FAULT_REPORTS reports in all: half before the restart, the rest during and after it.
    wait_for(lambda: len(results) >= FAULT_REPORTS // 2, what="the reports before the restart", timeout=FAULT_REPORTS)
    # Stopped, not merely restarted: the database stays away until a report has met it (at most 10 s),
    # so the test proves what a lost database does on a busy machine and a quiet one alike.
    private_postgres.pg_ctl("stop", "-m", "fast")
    down_since, give_up_at = len(results), time.monotonic() + 10
    while time.monotonic() < give_up_at and all(status == 302 for status, *_ in results[down_since:]):
        time.sleep(0.1)
    private_postgres.pg_ctl("start")
    wait_for(lambda: len(results) >= FAULT_REPORTS, what="the reports after the restart", timeout=FAULT_REPORTS)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)

    statuses = [status for status, *_ in results]
    accepted = [r for r in results if r[0] == 302]
    refused = [r for r in results if r[0] != 302]
    slowest = max(seconds for *_, seconds in results)
    fault_figures(
        requests_sent=len(results), accepted=len(accepted),
        refused={str(status): statuses.count(status) for status in sorted(set(statuses)) if status != 302},
        slowest_request_seconds=round(slowest, 2),
    )  # fmt: skip
    assert -1 not in statuses, "a request lost its connection instead of getting an answer"
    for status, headers, body, seconds in refused:
        assert status in FRIENDLY, f"unexpected answer {status}: {body[:300]}"
        assert FRIENDLY[status] in body and "Traceback" not in body
        if status == 503:
            assert headers.get("Retry-After") == "30"
    for status, headers, body, seconds in accepted:
        assert "/receipt/" in headers["Location"]
    assert slowest < 20

    # Recovered without restarting gunicorn: every reporter's next report is accepted.
    assert gunicorn.process.poll() is None
    for n, reporter in enumerate(reporters):
        form = report_form(999_000 + n, submission_key=reporter.form_key())
        status, headers, body = reporter.request("/incidents/report/", form)
        assert status == 302, f"after the restart a report answered {status}: {body[:300]}"

    # Nothing half-written; every accepted report is there; and no refused one is: the answer depends
    # on nothing written after the commit, so nobody is told "failed" about a report that was saved.
    rows = _database_counts(private_postgres)
    assert all(medicines == 2 and error_types == 1 and audit == 1 for _, medicines, error_types, audit in rows), rows
    saved = [description for description, *_ in rows]
    assert len(saved) == len(set(saved)), "a report was saved twice"
    told_failed_but_saved = [form for _, form, status in sent if status != 302 and form["description"] in saved]
    assert all(form["description"] in saved for _, form, status in sent if status == 302)
    assert refused, "the restart did not interrupt any request; the test proved nothing"
    # Each of these was a saved report answered with the 503 page before the session middleware let go.
    session_lost = gunicorn.log.read_text(errors="replace").count("Session not saved after POST /incidents/report/")
    fault_figures(reports_saved=len(rows), half_written=0, accepted_after_recovery=len(reporters),
                  told_failed_but_saved=len(told_failed_but_saved), session_save_lost_after_commit=session_lost)  # fmt: skip
    assert not told_failed_but_saved, f"{len(told_failed_but_saved)} reporters were told it failed but it was saved"

    # Each reporter presses Send again on every form: each refused one is saved now, and no form,
    # refused or accepted, is saved twice.
    for reporter, form, status in sent:
        again, headers, body = reporter.request("/incidents/report/", form)
        assert again == 302 and "/receipt/" in headers["Location"], f"sent again, a report answered {again}"
    rows = _database_counts(private_postgres)
    saved_again = [description for description, *_ in rows]
    assert sorted(saved_again) == sorted({*saved, *(form["description"] for _, form, _ in sent)})
    fault_figures(sent_again=len(sent), saved_after_sending_again=len(rows), duplicates=len(saved_again) - len(set(saved_again)))
