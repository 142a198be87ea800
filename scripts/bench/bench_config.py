"""What a bench run is: the sizes, the load, the server's environment and the pages with their targets,
read from the BENCH_* variables that run.py's docstring lists; and the log line every part prints."""

import os
import sys
from datetime import datetime
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
# A report that overlapped a national send is "no slower" within this much of the same POST alone
# (a shared machine's noise).
SENDING_TOLERANCE = 1.2

# key: (label, who, method, target p95 in ms or None). The order is the table's.
PAGES = {
    "minimal": ("Minimal Django view (baseline)", None, "GET", None),
    "report_form_get": ("Incident report form (GET)", "staff", "GET", None),
    "report_form_post": ("Incident report form (POST)", "staff", "POST", 150),
    # The same POST while sender.py sends national communications to 1,500 organisations, a pause after each.
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
