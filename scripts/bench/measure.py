"""Measuring a page: one request alone (its queries and time), a run under load with wrk or locust and
the server's CPU over it, and the national communications sent beside the report form's load."""

import csv
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench_config import BASE_DIR, BIN, CLIENTS, HOST, OUT_DIR, SECONDS, TOOL


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


def post_timeline() -> list[list[float]]:
    """The POSTs the server recorded since the last call (config.bench): [[start_seconds, duration_ms], ...]."""
    return json.loads(urllib.request.urlopen(f"{HOST}/bench/post-timeline/", timeout=30).read())


def server_times(durations: list[float]) -> dict:
    """The median and p95 of the POSTs' time in the server, in ms."""
    if len(durations) < 20:
        return {"requests": len(durations), "p50_ms": None, "p95_ms": None}
    return {"requests": len(durations), "p50_ms": round(statistics.median(durations), 1),
            "p95_ms": round(statistics.quantiles(durations, n=20)[-1], 1)}


def split_by_sends(timeline: list[list[float]], sends: list[list[float]]) -> tuple[list[float], list[float]]:
    """The POSTs' durations split into those that overlapped a send (any part of the one in the other) and
    those made between the sends."""
    during, between = [], []
    for start, ms in timeline:
        end = start + ms / 1000
        (during if any(start < sent_end and end > sent_start for sent_start, sent_end in sends) else between).append(ms)
    return during, between


def start_sender() -> tuple[subprocess.Popen, Path]:
    """sender.py: national communications sent, with a pause between them as long as each send, until
    stopped (see its docstring)."""
    result = OUT_DIR / "sender.json"
    result.unlink(missing_ok=True)
    result.with_suffix(".backend").unlink(missing_ok=True)
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


def sender_backends(sender: tuple[subprocess.Popen, Path] | None) -> set[int]:
    """The PostgreSQL backend pid the sender wrote once connected (none before, or without a sender)."""
    if sender is None:
        return set()
    try:
        return {int(sender[1].with_suffix(".backend").read_text())}
    except (OSError, ValueError):
        return set()
