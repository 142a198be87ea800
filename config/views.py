"""Project-wide pages: the role-based home page and the health check."""

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from incidents import selectors as incidents
from clinical_safety.selectors import home_summary as clinical_safety_home
from mso_registry import selectors as registry
from mso_registry.permissions import is_registry_admin
from notifications.selectors import oldest_pending_notification_age_seconds

logger = logging.getLogger(__name__)


@login_required
def home(request):
    context = {"roles": registry.current_roles_of(request.user), "cards": registry.home_organisation_cards(request.user)}
    context["incidents_home"] = incidents.home_section(request.user)
    context["clinical_safety"] = clinical_safety_home(request.user)
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
    from config.celery_app import app

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
