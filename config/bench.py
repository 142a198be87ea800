"""Only with DJANGO_BENCH=true (`make bench`): a minimal view to compare pages with, and a header
that tells how many SQL queries a request made. Neither is loaded otherwise."""

from django.db import connection
from django.http import HttpResponse


def minimal(request):
    """The floor of the stack: the full middleware chain and one query, nothing else."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


class QueryCountMiddleware:
    """Adds X-Bench-Queries: the queries this request ran, counted by an execute wrapper, so it
    works with DEBUG off and costs one function call per query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response["X-Bench-Queries"] = str(count)
        return response
