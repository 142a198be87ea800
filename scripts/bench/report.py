"""The report: the machine and PostgreSQL it ran on, the results table, and README.md's bench section."""

import os
import platform
import re

from bench_config import BASE_DIR, MIN_RATIO, PAGES, SENDING, SENDING_TOLERANCE, TARGETS, log
from database import _admin_connection


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
