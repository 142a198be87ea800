"""The server under load: the Procfile's web process (gunicorn), started and stopped as `make stack` does."""

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request

from bench_config import BASE_DIR, BIN, HOST, OUT_DIR, PORT, WORKERS


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
