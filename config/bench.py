"""Only with DJANGO_BENCH=true (`make bench`): a minimal view to compare pages with, a header that
tells how many SQL queries a request made, and the server's CPU time per request summed over every
gunicorn worker (/bench/cpu/). None of it is loaded otherwise."""

import json
import os
import time

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpResponse

CPU_KEY = "medsafety:bench:cpu"
# Every POST's wall-clock start and its time in the stack, "start_seconds duration_ms": the bench sorts the
# report POSTs made during the run beside the national sends into those that overlapped a send and the rest.
POST_TIMELINE_KEY = "medsafety:bench:post-timeline"
_redis = None


def _counter():
    """The bench's Redis (its cache database): every worker adds to the same hash."""
    global _redis
    if _redis is None:
        url = os.environ.get("BENCH_CPU_REDIS_URL") or settings.CACHES["default"]["LOCATION"]
        _redis = redis.Redis.from_url(url if isinstance(url, str) else url[0])
    return _redis


def minimal(request):
    """The floor of the stack: the full middleware chain and one query, nothing else."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def post_timeline(request):
    """The POSTs recorded since the last call, [[start_seconds, duration_ms], ...], and the list emptied."""
    pipe = _counter().pipeline()
    pipe.lrange(POST_TIMELINE_KEY, 0, -1)
    pipe.delete(POST_TIMELINE_KEY)
    entries = pipe.execute()[0]
    body = [[float(n) for n in entry.split()] for entry in entries]
    return HttpResponse(json.dumps(body), content_type="application/json")


def cpu(request):
    """What the workers have spent so far: {"requests": n, "cpu_ms": total}. The bench reads it before
    and after each page; the difference over the requests made is the page's CPU ms per request."""
    totals = _counter().hgetall(CPU_KEY)
    body = {"requests": int(totals.get(b"requests", 0)), "cpu_ms": float(totals.get(b"cpu_ms", 0))}
    return HttpResponse(json.dumps(body), content_type="application/json")


class QueryCountMiddleware:
    """Adds X-Bench-Queries: the queries this request ran, counted by an execute wrapper, so it
    works with DEBUG off and costs one function call per query. First in the chain, it also times
    the request's CPU (time.process_time() of the worker, which a sync worker spends on one request
    at a time) and adds it to the bench's counter in Redis, outside the time it measures."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        started, wall_started, wall = time.process_time(), time.time(), time.perf_counter()
        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response["X-Bench-Queries"] = str(count)
        spent_ms = (time.process_time() - started) * 1000
        wall_ms = (time.perf_counter() - wall) * 1000
        response["X-Bench-CPU-ms"] = f"{spent_ms:.2f}"
        if request.path not in ("/bench/cpu/", "/bench/post-timeline/"):  # the bench asking, not a page
            pipe = _counter().pipeline(transaction=False)
            pipe.hincrbyfloat(CPU_KEY, "cpu_ms", spent_ms)
            pipe.hincrby(CPU_KEY, "requests", 1)
            if request.method == "POST":
                pipe.rpush(POST_TIMELINE_KEY, f"{wall_started:.4f} {wall_ms:.2f}")
            pipe.execute()
        return response
