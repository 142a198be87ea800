"""The bench's own database: made and loaded once (dataset.py), reused while its comment says it holds
the same dataset, never written to when something else made it; and Django set up against it."""

import json
import os
import time
import urllib.parse
from datetime import datetime

from bench_config import SIZES, log


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
