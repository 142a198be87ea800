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

import json
import os
import sys
from datetime import datetime
from pathlib import Path

from bench_config import (
    BASE_DIR,
    BASELINE_SECONDS,
    CLIENTS,
    DEFAULT_DATABASE_URL,
    HOST,
    OUT_DIR,
    PAGES,
    SECONDS,
    SENDING,
    SENDING_TOLERANCE,
    SERVER_ENV,
    SIZES,
    TOOL,
    WORKERS,
    log,
)
from database import _django_setup, ensure_dataset  # noqa: F401 - profile.py reaches the set-up as run._django_setup
from lockwatch import LockWatch
from measure import post_timeline, query_count, run_load, sender_backends, server_times, split_by_sends, start_sender, stop_sender
from report import machine, postgres_version, table, update_readme
from server import start_server, stop_server
from sessions import mint_sessions


# The report POST alone and during the sends: lockwatch.py samples who waits for whom in both.
WATCHED_FOR_LOCKS = ("report_form_post", SENDING)


def no_slower(during: dict, alone: dict) -> str:
    """Issue 14's question, answered from the server's own times of the POSTs that overlapped a send."""
    if not during["p95_ms"] or not alone["p95_ms"]:
        return "too few POSTs overlapped a send to say"
    ratio = during["p95_ms"] / alone["p95_ms"]
    verdict = "no slower" if ratio <= SENDING_TOLERANCE else "SLOWER"
    return f"{verdict}, {ratio:.2f} times the p95 without a sender"


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
            # The report POST, with and without the sender: which requests waited for a lock, and on whom.
            watch = LockWatch(url, lambda: sender_backends(sender)) if key in WATCHED_FOR_LOCKS else None
            if watch:
                watch.start()
                post_timeline()  # the single POSTs above are not part of the run
            try:
                load_at_start = os.getloadavg()[0]
                results[key] = {**run_load(key, targets, targets_file), "queries": queries, "alone_ms": alone,
                                "alone_cpu_ms": alone_cpu, "load_1min_at_start": round(load_at_start, 1)}
            finally:
                locks = watch.stop() if watch else None
                if sender:
                    sending = stop_sender(sender)
            if watch:  # the timeline was emptied when the watch started: read it on the same condition
                results[key]["locks"] = locks
                # Each POST's time in the server, from config.bench's timeline: the sends' overlap is read from it.
                timeline = post_timeline()
                results[key]["server"] = server_times([ms for _, ms in timeline])
            if sender:
                results[key]["sending"] = sending
                during, between = split_by_sends(timeline, sending["intervals"])
                results[key]["server_during_a_send"] = server_times(during)
                results[key]["server_between_sends"] = server_times(between)
                # The POST alone again, at once: "without a sender" is the mean of the runs either side of this one,
                # so that the machine's drift over the minute (other jobs, the table's growth) does not count as
                # the sends' doing.
                again = run_load("report_form_post", targets, targets_file)
                results[key]["alone_after"] = {"p95_ms": again["p95_ms"], "server": server_times([ms for _, ms in post_timeline()])}
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
        sent, during, between = sending["sending"], sending["server_during_a_send"], sending["server_between_sends"]
        after = sending["alone_after"]
        alone_server = {
            q: round((alone_post["server"][q] + after["server"][q]) / 2, 1)
            if alone_post["server"][q] is not None and after["server"][q] is not None else None
            for q in ("p50_ms", "p95_ms")
        }  # fmt: skip
        alone_wrk_p95 = (alone_post["p95_ms"] + after["p95_ms"]) / 2
        summary += (
            f" {sent['sends']} national communications to {sent['organisations']:,} organisations were sent beside the "
            f"report POSTs, each followed by a pause as long as the send ({sent['send_seconds_median']} s, median; "
            f"the sender and its database backend at nice {sent.get('nice', 0)}). The {during['requests']} POSTs that "
            f"overlapped a send spent {during['p50_ms']} ms (median) and {during['p95_ms']} ms (p95) in the server, "
            f"against {alone_server['p50_ms']} and {alone_server['p95_ms']} ms without a sender (the mean of the runs "
            f"just before and just after, whose p95s were {alone_post['server']['p95_ms']} and "
            f"{after['server']['p95_ms']} ms; {between['p50_ms']} and {between['p95_ms']} ms between the sends): "
            f"{no_slower(during, alone_server)} (\"no slower\" is within {SENDING_TOLERANCE - 1:.0%}). As wrk saw "
            f"the whole run, the p95 was {sending['p95_ms']:.0f} ms against {alone_wrk_p95:.0f} ms without."
        )
        if sending.get("locks") and alone_post.get("locks"):
            during, alone_locks = sending["locks"], alone_post["locks"]
            summary += (
                f" Sampled every 50 ms from pg_stat_activity: a report waited for a lock held by the sender in "
                f"{during['samples_with_a_request_waiting_for_the_sender']} of {during['samples']} samples; a report "
                f"waited for any lock (another report's) in {during['samples_with_a_request_waiting_for_a_lock']} of "
                f"{during['samples']} during the sends and {alone_locks['samples_with_a_request_waiting_for_a_lock']} "
                f"of {alone_locks['samples']} without."
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
