"""One page under load: BENCH_PAGE names it (see pages.py), BENCH_TARGETS is the JSON that
run.py writes (sessions minted for the bench accounts, references to open).

Each locust user is a closed loop with no think time, so BENCH_CLIENTS users are that many
requests in flight at once. Redirects are not followed: the POST is measured alone."""

import itertools
import json
import os
import random
import sys
from pathlib import Path

from locust import FastHttpUser, constant, task

sys.path.insert(0, str(Path(__file__).parent))
from pages import csrf_secret, request_for  # noqa: E402

PAGE = os.environ["BENCH_PAGE"]
TARGETS = json.loads(Path(os.environ["BENCH_TARGETS"]).read_text())
_numbers = itertools.count()


class PageUser(FastHttpUser):
    wait_time = constant(0)

    def on_start(self):
        self.number = next(_numbers)
        self.rng = random.Random(self.number)
        self.token = csrf_secret()

    @task
    def page(self):
        method, path, headers, body = request_for(PAGE, TARGETS, client=self.number, rng=self.rng, token=self.token)
        expected = 302 if method == "POST" else 200
        with self.client.request(method, path, headers=headers, data=body, name=PAGE, allow_redirects=False,
                                 catch_response=True) as response:
            if response.status_code != expected:
                response.failure(f"{response.status_code} instead of {expected}")
