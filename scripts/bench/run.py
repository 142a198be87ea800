"""`make bench`: load the national dataset (once), serve the app with gunicorn as `make stack`
does, drive each key page with wrk (or locust) at a fixed concurrency, and report.

Environment (all optional):
  BENCH_DATABASE_URL   default postgres://postgres@127.0.0.1:5432/medsafety_bench, a database of its own:
                       created and loaded when missing, reused when it holds the same dataset. A database
                       that was not made by the bench is never written to or dropped.
  BENCH_PORT           8765, where gunicorn listens on the loopback
  BENCH_INCIDENTS      2000000      BENCH_ORGANISATIONS 500      BENCH_HAZARDS 20000
  BENCH_TOOL           wrk (default; /usr/bin/wrk, Debian's package) or locust
  BENCH_CLIENTS        16 concurrent connections (wrk) or users (locust)
  BENCH_SECONDS        20 seconds of load per page
  BENCH_BASELINE_SECONDS 5 seconds of the minimal view just before each page, for its ratio
  BENCH_WORKERS        4 gunicorn sync workers (WEB_CONCURRENCY)
  BENCH_PAGES          comma-separated subset of page keys, e.g. review_queue,incident_page
  BENCH_COMMUNICATION_ORGANISATIONS 1500, recipients of the national communications sent during report_form_post_during_send
  BENCH_NO_README      set to leave README.md alone

Sign-in: the script mints one database session per locust user (wrk: per wrk thread) for the bench accounts (the same
session rows allauth writes after a sign-in), because signing sixteen users in through
/accounts/login/ for every page would trip the login rate limit (30 a minute per address).
"""

import csv
import json
import os
import platform
import random
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date, datetime
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
OUT_DIR = BASE_DIR / "var" / "bench"
BIN = Path(sys.executable).parent
PORT = int(os.environ.get("BENCH_PORT", "8765"))
HOST = f"http://127.0.0.1:{PORT}"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/medsafety_bench"

SIZES = {
    "incidents": int(os.environ.get("BENCH_INCIDENTS", "2000000")),
    "organisations": int(os.environ.get("BENCH_ORGANISATIONS", "500")),
    "hazards": int(os.environ.get("BENCH_HAZARDS", "20000")),
}
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "20"))
BASELINE_SECONDS = max(5, int(os.environ.get("BENCH_BASELINE_SECONDS", "5")))
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
TOOL = os.environ.get("BENCH_TOOL", "wrk")
if TOOL not in ("wrk", "locust"):
    raise SystemExit("BENCH_TOOL is wrk or locust")

# The production shape, on plain HTTP on the loopback (no TLS terminator in front).
SERVER_ENV = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
    "AUDIT_HMAC_KEY": "bench-only-audit-key-" + "x" * 40,
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    # Production refuses to start without a shared cache and a broker. No worker consumes this
    # broker: the bench measures the web process, and a publish to Redis is what a request pays.
    # Redis databases of its own, so that no other worker ever picks up the bench's tasks.
    "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "rediscache://127.0.0.1:6379/15"),
    "CELERY_BROKER_URL": os.environ.get("BENCH_CELERY_BROKER_URL", "redis://127.0.0.1:6379/14"),
    "SECURE_SSL_REDIRECT": "false",
    "SECURE_HSTS_SECONDS": "0",
    "CONN_MAX_AGE": "600",
    "DJANGO_BENCH": "true",
    "LOG_LEVEL": "WARNING",
    # One token per API page is shared by every locust user: the per-client limit would measure itself.
    "API_RATE_LIMIT": "100000000/minute",
    "EMAIL_FILE_PATH": str(OUT_DIR / "mail"),
}

SENDING = "report_form_post_during_send"
# A report while a national communication is sent is "no slower" within this much of the same POST alone
# (a shared machine's noise).
SENDING_TOLERANCE = 1.2

# key: (label, who, method, target p95 in ms or None). The order is the table's.
PAGES = {
    "minimal": ("Minimal Django view (baseline)", None, "GET", None),
    "report_form_get": ("Incident report form (GET)", "staff", "GET", None),
    "report_form_post": ("Incident report form (POST)", "staff", "POST", 150),
    # The same POST while sender.py sends national communications to 1,500 organisations, one after another.
    SENDING: ("Incident report form (POST) while a national communication to 1,500 organisations is sent", "staff",
              "POST", 150),
    "review_queue": ("MSO review queue, first page", "mso", "GET", 150),
    "review_queue_filtered": ("MSO review queue, filtered", "mso", "GET", 150),
    "incident_page": ("Incident page", "mso", "GET", 150),
    "trust_dashboard": ("Trust dashboard", "mso", "GET", 250),
    "registry_directory": ("National registry directory", "registry", "GET", None),
    "api_incident_list": ("API: incident list (25, cursor)", None, "GET", 150),
    "api_directory": ("API: national MSO list (50, cursor)", None, "GET", None),
    "hazard_log": ("Hazard log (system page)", "cso", "GET", None),
    "national_dashboard": ("National incidents dashboard", "registry", "GET", 250),
    # Last month's draft for the biggest trust: its figures read live (an issued one reads its frozen copy).
    "board_report": ("Monthly medication safety report (draft)", "mso", "GET", 300),
}
MIN_RATIO = 0.15
# Issue 18's targets: (× minimal view at least, p95 under ms, alone under ms). Other pages keep MIN_RATIO and
# their p95 above.
_LISTS, _SUMMARIES = (0.15, 150, 10), (0.08, 250, 25)
TARGETS = {
    "report_form_get": _LISTS, "report_form_post": _LISTS, "review_queue": _LISTS, "review_queue_filtered": _LISTS,
    "incident_page": _LISTS, "registry_directory": _LISTS,
    # The API lists are held to the pages they mirror (issue 20: at least as fast as their HTML pages).
    "api_incident_list": _LISTS, "api_directory": _LISTS,
    "trust_dashboard": _SUMMARIES, "hazard_log": _SUMMARIES, "national_dashboard": _SUMMARIES,
}


def log(message: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", flush=True)


# --- Database -----------------------------------------------------------------------------------


def _database_name(url: str) -> str:
    return urllib.parse.urlparse(url).path.lstrip("/")


def _admin_connection(url: str):
    import psycopg2

    parts = urllib.parse.urlparse(url)
    conn = psycopg2.connect(host=parts.hostname, port=parts.port or 5432, user=parts.username or "postgres",
                            password=parts.password, dbname="postgres")
    conn.autocommit = True
    return conn


def ensure_dataset(url: str) -> dict:
    """Reuse the database when its comment says it holds this dataset; otherwise build it anew."""
    name = _database_name(url)
    wanted = {"version": None, **SIZES}
    from dataset import VERSION  # noqa: PLC0415 - needs sys.path set by main()

    wanted["version"] = VERSION
    admin = _admin_connection(url)
    with admin.cursor() as cursor:
        cursor.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name])
        row = cursor.fetchone()
    recorded = {}
    if row and row[0]:
        try:
            recorded = json.loads(row[0])
        except ValueError:
            pass
    ours = isinstance(recorded, dict) and bool(recorded.get("bench"))
    if row and not ours and (row[0] or _has_tables(url)):
        admin.close()
        raise SystemExit(f"{name} holds data that the bench did not make; point BENCH_DATABASE_URL at a database of its own")
    if ours:
        if {k: recorded.get(k) for k in wanted} == wanted:
            log(f"Reusing the dataset in {name} (loaded {recorded.get('loaded_at')} in {recorded.get('seconds')} s)")
            admin.close()
            _django_setup()
            from django.core.management import call_command

            call_command("migrate", verbosity=0, interactive=False)  # new indexes apply to the kept data
            from clinical_safety.services import hazard_log_live_hashes_fill

            hazard_log_live_hashes_fill()  # logs loaded before the services kept their live hash
            from django.db import connection

            with connection.cursor() as cursor:
                # The last run's reports: fresh statistics, and a visibility map for index-only scans.
                cursor.execute("VACUUM ANALYZE")
            connection.close()
            return recorded
    with admin.cursor() as cursor:
        if row:
            log(f"Dropping {name}: it holds another dataset or an interrupted load")
            cursor.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
        # Marked as the bench's before anything is in it, so an interrupted load is replaced next time.
        cursor.execute(f'COMMENT ON DATABASE "{name}" IS %s', [json.dumps({"bench": "loading"})])
    _django_setup()
    from django.core.management import call_command
    from django.db import connection

    log("Migrating")
    call_command("migrate", verbosity=0, interactive=False)
    log(f"Loading {SIZES['incidents']:,} incidents, {SIZES['organisations']} organisations, {SIZES['hazards']:,} hazards")
    import dataset

    started = time.monotonic()
    made = dataset.generate(**SIZES)
    from incidents.services import incident_summary_refresh

    t = time.monotonic()
    incident_summary_refresh()
    made["timings"]["national_summary"] = round(time.monotonic() - t, 1)
    t = time.monotonic()
    from incidents.summary import summary_rebuild

    summary_rebuild()  # the trust dashboard's monthly summary, which COPY does not keep
    from clinical_safety.services import hazard_log_live_hashes_fill

    hazard_log_live_hashes_fill()  # and the hazard logs' live content hashes
    made["timings"]["monthly_summary"] = round(time.monotonic() - t, 1)
    t = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # statistics for the planner, visibility map for index-only scans
    made["timings"]["vacuum_analyze"] = round(time.monotonic() - t, 1)
    made["seconds"] = round(time.monotonic() - started, 1)
    made.update(wanted, bench=True, loaded_at=datetime.now().isoformat(timespec="seconds"))
    connection.close()
    with admin.cursor() as cursor:
        cursor.execute(f"COMMENT ON DATABASE \"{name}\" IS %s", [json.dumps(made)])
    admin.close()
    log(f"Loaded in {made['seconds']} s: {made}")
    return made


def _has_tables(url: str) -> bool:
    import psycopg2

    parts = urllib.parse.urlparse(url)
    conn = psycopg2.connect(host=parts.hostname, port=parts.port or 5432, user=parts.username or "postgres",
                            password=parts.password, dbname=_database_name(url))
    with conn, conn.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = 'public')")
        found = cursor.fetchone()[0]
    conn.close()
    return found


_set_up = False


def _django_setup():
    global _set_up
    if not _set_up:
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        django.setup()
        _set_up = True


# --- Sessions and targets ---------------------------------------------------------------------


def _api_tokens(organisation, users) -> dict:
    """A token for the biggest trust's incidents and one for the national list (made here, not through
    the client page: the bench accounts hold no local administrator role)."""
    import secrets

    from api.models import ApiClient, Scope
    from api.services import token_hash

    tokens = {}
    for which, owner, creator, scopes in (("organisation", organisation, users["mso"], [Scope.INCIDENTS_READ]),
                                          ("national", None, users["registry"], [Scope.DIRECTORY_READ])):
        prefix = "bench" + secrets.token_hex(4)
        tokens[which] = f"msh_{prefix}_{secrets.token_urlsafe(24)}"
        ApiClient.objects.create(name=f"Bench {which} {prefix}", organisation=owner, scopes=scopes, token_prefix=prefix,
                                 token_hash=token_hash(tokens[which]), created_by=creator)
    return tokens


def mint_sessions() -> dict:
    """Per bench account, one signed-in session per locust user, plus the ids the pages need."""
    _django_setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django.db.models import Count

    from clinical_safety.models import HealthITSystem
    from incidents.models import MedicationIncident
    from mso_registry.models import Organisation
    from users.models import User

    import dataset

    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)  # the manifest storage needs it, as in make stack
    users = {role: User.objects.get(email=email) for role, email in dataset.BENCH_USERS.items()}
    # Approvers (CSO, registry administrator) must have an authenticator app in production
    # (config.middleware.ApproverMFAMiddleware); the bench sessions count as already past it.
    from allauth.mfa.models import Authenticator

    for user in users.values():
        Authenticator.objects.get_or_create(user=user, type=Authenticator.Type.TOTP,
                                            defaults={"data": {"secret": "bench-not-a-real-secret"}})
    sessions = {}
    for role, user in users.items():
        keys = []
        for _ in range(CLIENTS):
            store = SessionStore()
            store[SESSION_KEY] = str(user.pk)
            store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            store[HASH_SESSION_KEY] = user.get_session_auth_hash()
            store.set_expiry(3 * 3600)
            store.create()
            keys.append(store.session_key)
        sessions[role] = keys
    mso_org = Organisation.objects.get(role_assignments__user=users["mso"], role_assignments__role="mso",
                                       role_assignments__end_date__isnull=True)
    # Incident pages: a random spread over the trust's ten years, so the cache is not always warm.
    ids = list(MedicationIncident.objects.filter(organisation=mso_org).values_list("pk", flat=True))
    rng = random.Random(7)
    references = list(
        MedicationIncident.objects.filter(pk__in=rng.sample(ids, min(2000, len(ids)))).values_list("reference", flat=True)
    )
    from board_reports.selectors import month_start, months_before
    from board_reports.services import board_report_prepare

    board_report, _ = board_report_prepare(organisation=mso_org, month=months_before(month_start(date.today()), 1))
    system = HealthITSystem.objects.filter(cso=users["cso"]).annotate(n=Count("hazards")).order_by("-n").first()
    targets = {
        "api_tokens": _api_tokens(mso_org, users),
        "sessions": sessions,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "organisation_id": mso_org.pk,
        "organisation": mso_org.ods_code,
        "organisation_incidents": len(ids),
        "references": references,
        "system_id": system.pk,
        "system_hazards": system.n,
        "board_report_id": board_report.pk,
    }
    connection.close()
    return targets


# --- The server -----------------------------------------------------------------------------------


def start_server(env: dict) -> subprocess.Popen:
    """The Procfile's web process, through honcho, as `make stack` runs it."""
    log_file = open(OUT_DIR / "gunicorn.log", "w")  # noqa: SIM115 - lives as long as the server
    process = subprocess.Popen(
        [str(BIN / "honcho"), "start", "-f", "Procfile", "web"],
        cwd=BASE_DIR, env={**env, "PATH": f"{BIN}:{env['PATH']}", "BIND": f"127.0.0.1:{PORT}",
                           "WEB_CONCURRENCY": str(WORKERS)},
        stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
    )
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{HOST}/bench/minimal/", timeout=2).read()
            return process
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if process.poll() is not None:
                break
            time.sleep(0.5)
    stop_server(process)
    raise SystemExit(f"gunicorn did not start; see {OUT_DIR / 'gunicorn.log'}")


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


# --- Measuring -----------------------------------------------------------------------------------


def query_count(key: str, targets: dict) -> tuple[int | None, float, float | None]:
    """One request alone: the X-Bench-Queries header that config.bench adds, its time in ms, and the
    worker's CPU ms for it (X-Bench-CPU-ms)."""
    sys.path.insert(0, str(Path(__file__).parent))
    from pages import request_for

    method, path, headers, body = request_for(key, targets, client=0, rng=random.Random(1))
    request = urllib.request.Request(HOST + path, data=body, headers=headers, method=method)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    started = time.perf_counter()
    try:
        response = opener.open(request, timeout=60)
    except urllib.error.HTTPError as error:  # a 302 after the POST lands here
        response = error
    if response.status not in (200, 302):
        raise SystemExit(f"{key}: {method} {path} answered {response.status}")
    response.read()
    elapsed = round((time.perf_counter() - started) * 1000, 1)
    value, cpu = response.headers.get("X-Bench-Queries"), response.headers.get("X-Bench-CPU-ms")
    return (int(value) if value is not None else None), elapsed, (float(cpu) if cpu is not None else None)


def run_locust(key: str, targets_file: Path, seconds: int = SECONDS) -> dict:
    prefix = OUT_DIR / f"locust-{key}"
    subprocess.run(
        [str(BIN / "locust"), "-f", str(Path(__file__).parent / "locustfile.py"), "--headless", "--only-summary",
         "-u", str(CLIENTS), "-r", str(CLIENTS), "-t", f"{seconds}s", "--host", HOST, "--csv", str(prefix),
         "--loglevel", "WARNING", "--stop-timeout", "5"],
        cwd=BASE_DIR, env={**os.environ, "BENCH_PAGE": key, "BENCH_TARGETS": str(targets_file)},
        check=False, stdout=subprocess.DEVNULL, stderr=open(f"{prefix}.log", "w"),  # noqa: SIM115
    )
    with open(f"{prefix}_stats.csv") as f:
        row = next((r for r in csv.DictReader(f) if r["Name"] == key), None)
    if row is None:
        raise SystemExit(f"locust recorded no {key} requests; see {prefix}.log (runs under 5 s may record none)")
    return {
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "rps": round(float(row["Requests/s"]), 1),
        "p50_ms": float(row["50%"]),
        "p95_ms": float(row["95%"]),
        "mean_ms": round(float(row["Average Response Time"]), 1),
    }


def server_cpu() -> dict:
    """The workers' CPU so far, summed over every worker by config.bench (requests, cpu_ms)."""
    return json.loads(urllib.request.urlopen(f"{HOST}/bench/cpu/", timeout=10).read())


def run_load(key: str, targets: dict, targets_file: Path, seconds: int = SECONDS) -> dict:
    """One page under load with the chosen tool, and the server's CPU ms per request over the run."""
    before = server_cpu()
    if TOOL == "wrk":
        from wrk_driver import run_wrk

        result = run_wrk(key, targets, host=HOST, clients=CLIENTS, seconds=seconds, out_dir=OUT_DIR)
    else:
        result = run_locust(key, targets_file, seconds)
    after = server_cpu()
    served = after["requests"] - before["requests"]
    result["cpu_ms"] = round((after["cpu_ms"] - before["cpu_ms"]) / served, 2) if served else None
    return result


def start_sender() -> tuple[subprocess.Popen, Path]:
    """sender.py: national communications sent one after another until stopped (see its docstring)."""
    result = OUT_DIR / "sender.json"
    result.unlink(missing_ok=True)
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).parent / "sender.py"), str(result)], cwd=BASE_DIR, env=dict(os.environ),
        stdout=open(OUT_DIR / "sender.log", "w"), stderr=subprocess.STDOUT,  # noqa: SIM115
    )
    time.sleep(5)  # set-up (1,000 extra recipients) done and the first send under way before the load starts
    return process, result


def stop_sender(sender: tuple[subprocess.Popen, Path]) -> dict:
    process, result = sender
    process.send_signal(signal.SIGTERM)  # it finishes the send in hand, then removes what it made
    try:
        process.wait(timeout=300)
    except subprocess.TimeoutExpired:
        process.kill()
        raise SystemExit(f"sender.py did not stop; see {OUT_DIR / 'sender.log'}") from None
    if not result.exists():
        raise SystemExit(f"sender.py failed; see {OUT_DIR / 'sender.log'}")
    return json.loads(result.read_text())


def machine() -> str:
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = ""
    try:
        kb = int(next(line.split()[1] for line in open("/proc/meminfo") if line.startswith("MemTotal")))
        memory = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} cores ({cpu or platform.processor()}){memory}, {platform.system()} {platform.release()}"


def postgres_version(url: str) -> str:
    admin = _admin_connection(url)
    with admin.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    admin.close()
    return f"PostgreSQL {version}"


# --- Reporting -------------------------------------------------------------------------------------


def table(results: dict) -> list[str]:
    lines = [
        "| Page | req/s | p50 ms | p95 ms | alone ms | server CPU ms/request | queries/request | minimal view req/s just before | × minimal view | target met |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for key, r in results.items():
        label, _, _, target = PAGES[key]
        min_ratio, target, alone_target = TARGETS.get(key, (MIN_RATIO, target, None))
        ratio = r["ratio_to_minimal"] or 0
        checks = []
        if key != "minimal":
            checks.append(ratio >= min_ratio)
        if target:
            checks.append(r["p95_ms"] < target)
        if alone_target:
            checks.append(r["alone_ms"] < alone_target)
        if key == SENDING and "report_form_post" in results:
            checks.append(r["p95_ms"] <= results["report_form_post"]["p95_ms"] * SENDING_TOLERANCE)
        met = "—" if not checks else ("yes" if all(checks) else "**no**")
        failures = f" ({r['failures']} failed)" if r["failures"] else ""
        lines.append(
            f"| {label}{failures} | {r['rps']:.1f} | {r['p50_ms']:.0f} | {r['p95_ms']:.0f} | {r['alone_ms']:.1f} | "
            f"{'' if r.get('cpu_ms') is None else format(r['cpu_ms'], '.1f')} | "
            f"{'' if r['queries'] is None else r['queries']} | {r['baseline_rps']:.0f} | {ratio:.2f} | {met} |"
        )
    return lines


def update_readme(markdown: str) -> None:
    readme = BASE_DIR / "README.md"
    text = readme.read_text()
    start, end = "<!-- bench:results:start -->", "<!-- bench:results:end -->"
    if start not in text:
        log("README.md has no bench markers; not updated")
        return
    text = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _: f"{start}\n{markdown}\n{end}", text, flags=re.S)
    readme.write_text(text)


def main() -> None:
    os.chdir(BASE_DIR)
    sys.path.insert(0, str(BASE_DIR))
    sys.path.insert(0, str(Path(__file__).parent))
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    # Its own variable, so that a DATABASE_URL set for `make stack` is never loaded into.
    url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL
    os.environ.update(SERVER_ENV, DATABASE_URL=url)
    data = ensure_dataset(url)
    if "--load-only" in sys.argv:
        return
    targets = mint_sessions()
    targets_file = OUT_DIR / "targets.json"
    targets_file.write_text(json.dumps(targets))
    selected = [k for k in os.environ.get("BENCH_PAGES", "").split(",") if k] or list(PAGES)
    keys = ["minimal", *[k for k in PAGES if k in selected and k != "minimal"]]
    log(f"Serving with gunicorn ({WORKERS} sync workers) on {HOST}; {CLIENTS} clients, {SECONDS} s per page")
    server = start_server(dict(os.environ))
    results = {}
    run_load_at_start = os.getloadavg()
    try:
        for key in keys:
            queries = query_count(key, targets)[0]
            # Warm every worker's caches (compiled templates, cached fragments), then time a few
            # requests with nothing else in flight.
            for _ in range(2 * WORKERS):
                query_count(key, targets)
            singles = [query_count(key, targets) for _ in range(5)]
            alone = sorted(r[1] for r in singles)[2]
            alone_cpu = sorted(r[2] or 0 for r in singles)[2]
            if key != "minimal":
                # The minimal view again just before the page: on a shared machine the load of other
                # jobs drifts, and the ratio to a baseline taken seconds earlier drifts far less.
                base = run_load("minimal", targets, targets_file, BASELINE_SECONDS)
            log(f"{key}: {queries} queries; loading for {SECONDS} s")
            sender = start_sender() if key == SENDING else None
            try:
                load_at_start = os.getloadavg()[0]
                results[key] = {**run_load(key, targets, targets_file), "queries": queries, "alone_ms": alone,
                                "alone_cpu_ms": alone_cpu, "load_1min_at_start": round(load_at_start, 1)}
            finally:
                if sender:
                    sending = stop_sender(sender)
            if sender:
                results[key]["sending"] = sending
            results[key]["baseline_rps"] = results[key]["rps"] if key == "minimal" else base["rps"]
            log(f"{key}: {results[key]}")
        # The baseline again at the end: the difference shows how noisy the machine was.
        closing = run_load("minimal", targets, targets_file)
    finally:
        stop_server(server)
    baseline = (results["minimal"]["rps"] + closing["rps"]) / 2
    for r in results.values():
        r["ratio_to_minimal"] = round(r["rps"] / r["baseline_rps"], 3) if r["baseline_rps"] else None
    load = os.getloadavg()
    stamp = datetime.now().strftime("%Y-%m-%d %H:%M")
    where = machine()
    lines = table(results)
    summary = (
        f"Measured {stamp} on {where}, {postgres_version(url)}; gunicorn {WORKERS} sync workers, "
        f"{CLIENTS} concurrent {TOOL} {'connections' if TOOL == 'wrk' else 'users'}, {SECONDS} s per page. Dataset: {data['incidents']:,} incidents, "
        f"{data['organisations']} organisations, {data.get('hazards', SIZES['hazards']):,} hazards (loaded in "
        f"{data['seconds']:.0f} s); the pages are read by the biggest reporter, {targets['organisation']}, with "
        f"{targets['organisation_incidents']:,} incidents, and a hazard log of {targets['system_hazards']} hazards. "
        f"Minimal view {results['minimal']['rps']:.0f} req/s at the start and {closing['rps']:.0f} at the end; "
        f"each page's ratio is to the minimal view measured for {BASELINE_SECONDS} s just before it. "
        f"Load average {run_load_at_start[0]:.1f} (1 min) at the start and {load[0]:.1f} (1 min), {load[2]:.1f} (15 min) "
        f"at the end (each page's at its start is in latest-{TOOL}.json): other jobs shared the machine "
        f"when this is well above 2."
    )
    if SENDING in results and "report_form_post" in results:
        sending, alone_post = results[SENDING], results["report_form_post"]
        summary += (
            f" While {sending['sending']['sends']} national communications to {sending['sending']['organisations']:,} "
            f"organisations were sent one after another (each send {sending['sending']['send_seconds_median']} s, "
            f"median), the report POST's p95 was {sending['p95_ms']:.0f} ms against {alone_post['p95_ms']:.0f} ms "
            f"without (\"no slower\" is within {SENDING_TOLERANCE - 1:.0%} of it)."
        )
    markdown = "\n".join([summary, "", *lines])
    print("\n" + markdown + "\n")
    (OUT_DIR / f"latest-{TOOL}.json").write_text(json.dumps({
        "measured_at": datetime.now().isoformat(timespec="seconds"),
        "machine": where,
        "postgres": postgres_version(url),
        "server": {"gunicorn_workers": WORKERS, "worker_class": "sync"},
        "load": {"tool": TOOL, "clients": CLIENTS, "seconds_per_page": SECONDS},
        "dataset": data,
        "reader": {k: targets[k] for k in ("organisation", "organisation_incidents", "system_hazards")},
        "minimal_rps": {"start": results["minimal"]["rps"], "end": closing["rps"], "baseline": baseline},
        "load_average_at_end": {"1min": load[0], "5min": load[1], "15min": load[2]},
        "pages": {key: {"label": PAGES[key][0], "p95_target_ms": PAGES[key][3], **r} for key, r in results.items()},
    }, indent=2))
    if not os.environ.get("BENCH_NO_README"):
        update_readme(markdown)
    log(f"Wrote {OUT_DIR / f'latest-{TOOL}.json'}")


if __name__ == "__main__":
    main()
