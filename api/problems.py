"""Every error as RFC 9457 problem details (application/problem+json): a title, the status, what to do
(detail) and, for bad input, each field's errors as `errors: [{"pointer": "#/medicines/0/name", "detail": ...}]`."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler

from core.domain import DomainError

PROBLEM_TYPE = "about:blank"  # RFC 9457 §4.2.1: the title is then the HTTP status phrase
TITLES = {
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
    406: "Not Acceptable", 409: "Conflict", 415: "Unsupported Media Type", 422: "Unprocessable Content",
    429: "Too Many Requests", 503: "Service Unavailable",
}


class ProblemJSONRenderer(JSONRenderer):
    media_type = "application/problem+json"


def _pointers(detail, prefix="#") -> list[dict]:
    """DRF's nested error dict/list as flat JSON pointers to the fields they are about."""
    if isinstance(detail, dict):
        found = []
        for key, value in detail.items():
            inner = prefix if key in ("non_field_errors", "__all__") else f"{prefix}/{key}"
            found += _pointers(value, inner)
        return found
    if isinstance(detail, list):
        if all(not isinstance(v, (dict, list)) for v in detail):
            return [{"pointer": prefix, "detail": str(v)} for v in detail]
        found = []
        for index, value in enumerate(detail):
            found += _pointers(value, f"{prefix}/{index}") if isinstance(value, (dict, list)) else [
                {"pointer": prefix, "detail": str(value)}]
        return found
    return [{"pointer": prefix, "detail": str(detail)}]


def problem_response(status_code: int, detail: str, *, errors: list | None = None, headers=None) -> Response:
    body = {"type": PROBLEM_TYPE, "title": TITLES.get(status_code, "Error"), "status": status_code, "detail": detail}
    if errors:
        body["errors"] = errors
    response = Response(body, status=status_code, headers=headers, content_type="application/problem+json")
    return response


def problem_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return problem_response(422, str(exc))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found: there is no such record here, or it is another organisation's.")
    elif isinstance(exc, PermissionDenied) and not isinstance(exc, exceptions.APIException):
        exc = exceptions.PermissionDenied(str(exc) or "Not allowed.")
    response = exception_handler(exc, context)
    if response is None:
        return None  # a real fault: a 500, logged as any other
    errors = None
    if isinstance(exc, exceptions.ValidationError):
        errors = _pointers(exc.detail)
        detail = "The request has errors; each is listed with the field it is about."
    else:
        detail = str(getattr(exc, "detail", "")) or TITLES.get(response.status_code, "Error")
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        detail = f"Too many requests from this API client; try again in {int(exc.wait) + 1} seconds."
    problem = problem_response(response.status_code, detail, errors=errors)
    for name, value in response.items():
        if name.lower() in ("retry-after", "www-authenticate", "allow"):
            problem[name] = value
    # The renderer chosen for the request would label it application/json; a problem is a problem.
    context["request"].accepted_renderer = ProblemJSONRenderer()
    context["request"].accepted_media_type = ProblemJSONRenderer.media_type
    return problem


