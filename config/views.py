"""Project-wide pages: the role-based home page and the health check."""

import logging
import sys

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views import defaults
from django.views.decorators.cache import never_cache

from incidents import selectors as incidents
from clinical_safety.selectors import home_summary as clinical_safety_home
from config.celery_app import app
from mso_registry import selectors as registry
from mso_registry.permissions import is_registry_admin
from notifications.selectors import oldest_pending_notification_age_seconds

logger = logging.getLogger(__name__)


@login_required
def home(request):
    context = {"roles": registry.current_roles_of(request.user), "cards": registry.home_organisation_cards(request.user)}
    if not context["roles"]:
        context["former_roles"] = registry.roles_not_current_of(request.user)
    context["incidents_home"] = incidents.home_section(request.user)
    context["clinical_safety"] = clinical_safety_home(request.user)
    context["communications_home"] = registry.home_communications(request.user)
    context["bulletins_home"] = incidents.home_bulletins(request.user)
    if is_registry_admin(request.user):
        context["national"] = registry.national_registry_summary()
        context["without_mso"] = registry.organisations_without_mso()
    return render(request, "home.html", context)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:  # noqa: BLE001 - health reports every failure as "down"
        logger.warning("Health check: database unavailable", exc_info=True)
        return False


def _broker_state() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "in-process"
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            conn.default_channel.client.ping()  # a stalled Redis accepts connections but never answers
        return "ok"
    except Exception:  # noqa: BLE001
        logger.warning("Health check: broker unavailable", exc_info=True)
        return "down"


@never_cache
def health(request):
    database_ok = _database_ok()
    broker = _broker_state()
    pending_age = oldest_pending_notification_age_seconds() if database_ok else None
    backlog_ok = pending_age is None or pending_age <= settings.HEALTH_MAX_PENDING_AGE_SECONDS
    healthy = database_ok and broker != "down" and backlog_ok
    body = {
        "status": "ok" if healthy else "unhealthy",
        "database": "ok" if database_ok else "down",
        "broker": broker,
        "oldest_pending_notification_seconds": pending_age,
    }
    return JsonResponse(body, status=200 if healthy else 503)


def _database_unavailable(error) -> bool:
    """Is this error, or one it was raised while handling, a lost database connection?"""
    while error is not None:
        if isinstance(error, (OperationalError, InterfaceError)):
            return True
        error = error.__cause__ or error.__context__
    return False


def _database_unavailable_page(error):
    logger.error("Database unavailable: %r", error)
    response = HttpResponseServerError(loader.get_template("503.html").render())
    response.status_code = 503
    response["Retry-After"] = "30"
    return response


def server_error(request):
    """handler500: a database that cannot be reached (restarting, failing over) gets its own page,
    a 503 with Retry-After, rather than "something went wrong". Both are rendered without the
    request's context, which would need the database (the session, the user's roles)."""
    error = sys.exc_info()[1]
    if _database_unavailable(error):
        return _database_unavailable_page(error)
    return HttpResponseServerError(loader.get_template("500.html").render())


def bad_request(request, exception):
    """handler400: Django turns a session that could not be saved into a 400 "session interrupted";
    when the cause was the database going away, say so with the 503 page instead."""
    if _database_unavailable(exception):
        return _database_unavailable_page(exception)
    return defaults.bad_request(request, exception)
