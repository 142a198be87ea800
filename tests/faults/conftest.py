"""Fault-injection tests: real Celery workers, Redis, PostgreSQL and an SMTP sink, then break one.

Each test records what it saw (requests sent, emails delivered, the slowest request) with the
`fault_figures` fixture; at the end of the run they are written to var/faults/latest.json and
printed in the terminal summary, so that the README's figures come from a real run."""

import json
import os
import platform
from datetime import UTC, datetime

import pytest

from tests.integration.fixtures import *  # noqa: F403 - smtp_sink, own_redis, stalled_broker, start_worker, ...
from tests.integration.fixtures import PROJECT_ROOT

FIGURES_PATH = PROJECT_ROOT / "var" / "faults" / "latest.json"
_figures: dict[str, dict] = {}


@pytest.fixture
def fault_figures(request):
    """`fault_figures(requests_sent=200, ...)`: what this test saw, for var/faults/latest.json."""

    def record(**figures):
        _figures[request.node.name] = {**_figures.get(request.node.name, {}), **figures}

    return record


def pytest_terminal_summary(terminalreporter):
    if not _figures:
        return
    FIGURES_PATH.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "run_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "tests": _figures,
    }
    FIGURES_PATH.write_text(json.dumps(report, indent=2) + "\n")
    terminalreporter.section("fault-injection figures")
    for name, figures in _figures.items():
        terminalreporter.write_line(f"{name}:")
        terminalreporter.write_line("    " + ", ".join(f"{key}={value}" for key, value in figures.items()))
    terminalreporter.write_line(f"(written to {FIGURES_PATH.relative_to(PROJECT_ROOT)})")
