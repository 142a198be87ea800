"""Profile each benchmarked page with pyinstrument, one request at a time, in process, against the
bench database (BENCH_DATABASE_URL, loaded by `make bench` first). Writes var/bench/profile/<page>.txt
(the call tree) and prints each page's wall and CPU ms per request. `make bench` does not run it:

    .venv/bin/python scripts/bench/profile.py [page ...]
"""

import json
import os
import random
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parents[1]), str(HERE)]

import run  # noqa: E402 - the bench's settings and sign-in

REQUESTS = int(os.environ.get("PROFILE_REQUESTS", "20"))


def main() -> None:
    os.chdir(run.BASE_DIR)
    url = os.environ.get("BENCH_DATABASE_URL") or run.DEFAULT_DATABASE_URL
    os.environ.update(run.SERVER_ENV, DATABASE_URL=url, DJANGO_ALLOWED_HOSTS="testserver,127.0.0.1")
    targets_file = run.OUT_DIR / "targets.json"
    targets = json.loads(targets_file.read_text()) if targets_file.exists() else run.mint_sessions()
    run._django_setup()
    from django.test import Client
    from pyinstrument import Profiler

    from pages import request_for

    out = run.OUT_DIR / "profile"
    out.mkdir(parents=True, exist_ok=True)
    keys = sys.argv[1:] or [k for k in run.PAGES if k != run.SENDING]
    rng = random.Random(3)
    for key in keys:
        client = Client()

        def one():
            method, path, headers, body = request_for(key, targets, client=0, rng=rng)
            for cookie in headers.get("Cookie", "").split("; "):
                if "=" in cookie:
                    name, value = cookie.split("=", 1)
                    client.cookies[name] = value
            # The API pages sign in with a token, not a cookie.
            extra = {"Authorization": headers["Authorization"]} if "Authorization" in headers else {}
            if method == "POST":
                response = client.post(path, body, content_type=headers["Content-Type"], headers=extra)
            else:
                response = client.get(path, headers=extra)
            assert response.status_code in (200, 302), (key, response.status_code)

        for _ in range(3):
            one()  # templates compiled, caches warm
        profiler = Profiler(interval=0.0005)
        wall, cpu = time.perf_counter(), time.process_time()
        profiler.start()
        for _ in range(REQUESTS):
            one()
        profiler.stop()
        wall, cpu = (time.perf_counter() - wall) * 1000 / REQUESTS, (time.process_time() - cpu) * 1000 / REQUESTS
        (out / f"{key}.txt").write_text(profiler.output_text(unicode=False, color=False, show_all=False))
        print(f"{key}: {wall:.1f} ms wall, {cpu:.1f} ms CPU per request (profiled, {REQUESTS} requests)", flush=True)


if __name__ == "__main__":
    main()
