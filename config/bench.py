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

        started = time.process_time()
        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response["X-Bench-Queries"] = str(count)
        spent_ms = (time.process_time() - started) * 1000
        response["X-Bench-CPU-ms"] = f"{spent_ms:.2f}"
        if request.path != "/bench/cpu/":
            pipe = _counter().pipeline(transaction=False)
            pipe.hincrbyfloat(CPU_KEY, "cpu_ms", spent_ms)
            pipe.hincrby(CPU_KEY, "requests", 1)
            pipe.execute()
        return response
