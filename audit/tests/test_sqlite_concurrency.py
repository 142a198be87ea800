"""The laptop default: SQLite in IMMEDIATE transaction mode takes concurrent audited writes without
"database is locked". The test database is in memory (shared cache), whose table locks never wait,
so the writers run in a process of their own on a file copy of it."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.factories import OrganisationFactory

BASE_DIR = Path(__file__).resolve().parent.parent.parent
THREADS, ROUNDS = 4, 8

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_audited_writes_on_a_sqlite_file(tmp_path, registry_admin, riverside, hillside):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's own test; the PostgreSQL ones are in test_concurrency.py")
    OrganisationFactory()
    OrganisationFactory()
    database = tmp_path / "laptop.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(database) as copy:
        connection.connection.backup(copy)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_ENV")}
    env["DATABASE_URL"] = f"sqlite:///{database}"
    result = subprocess.run(
        [sys.executable, "-c", f"from audit.tests.sqlite_writers import main; main({THREADS}, {ROUNDS})"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["transaction_mode"] == "IMMEDIATE"
    assert outcome["errors"] == []
    # Each round: the rename, and the role with its audit event.
    assert outcome["events"] >= THREADS * ROUNDS * 2
    assert outcome["unsealed"] == 0
    assert outcome["verify"] == [outcome["events"], None]
