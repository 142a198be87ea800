"""Project-wide middleware: failed authorisations are logged, approvers must use MFA, and a
session that cannot be saved after the view does not turn a saved change into an error."""

import logging

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_vary_headers

from core.sessions import session_activity_record
from mso_registry.models import Role
from mso_registry.selectors import current_roles_of

from .views import _database_unavailable

security_log = logging.getLogger("medsafety.security")
logger = logging.getLogger(__name__)


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's, except that activity is recorded at most once a minute (core.sessions),
    and that losing the database while saving the session (after the view, so after a report has
    been committed) answers with the view's own response instead of the 503 page.
    What is lost is that save: the idle timeout is not pushed back this once. Anything the next page
    needs from the session is saved inside the change's transaction instead (the incident receipt)."""

    def process_response(self, request, response):
        session = getattr(request, "session", None)
        if session is not None:
            session_activity_record(session)
        try:
            return super().process_response(request, response)
        except Exception as error:  # the database's own error, or SessionInterrupted raised from it
            if not _database_unavailable(error):
                raise
            logger.warning("Session not saved after %s %s answered %s: %r",
                           request.method, request.path, response.status_code, error)  # fmt: skip
        patch_vary_headers(response, ("Cookie",))
        return response


class RefusedRequestLogMiddleware:
    """Logs every 403, and every 404 from a page that exists (a scoped lookup that found nothing
    for this user: another organisation's record, or a guessed id), to "medsafety.security".
    404s for paths that match no URL at all are scanners' noise and are left out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        status = response.status_code
        if status == 403 or (status == 404 and getattr(request, "resolver_match", None) is not None):
            try:
                user = request.user
                who = f"user {user.pk} <{user.email}>" if user.is_authenticated else "anonymous"
            except Exception:  # noqa: BLE001 - logging must never break the response
                who = "unknown user"
            view = request.resolver_match.view_name if getattr(request, "resolver_match", None) else "-"
            security_log.warning(
                "Refused %s: %s %s (view %s) for %s from %s",
                status, request.method, request.path, view, who, request.META.get("REMOTE_ADDR", "-"),
            )  # fmt: skip
        return response


class ApproverMFAMiddleware:
    """With MFA_REQUIRED_FOR_APPROVERS (on in production), anyone who holds a role that approves
    or signs off (CSO, governance, registry administrator) and has no authenticator app yet is sent
    to set one up before anything else. Signing out and the MFA pages themselves stay open, and so
    does "enter your password again", which allauth asks for before it lets anyone add an authenticator."""

    MFA_REQUIRED_ROLES = frozenset({Role.CSO, Role.GOVERNANCE, Role.REGISTRY_ADMIN})
    OPEN_PREFIXES = (
        "/accounts/2fa/", "/accounts/reauthenticate/", "/accounts/logout/", "/accounts/login/",
        "/accounts/confirm-email/", "/static/", "/health/",
    )  # fmt: skip

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.MFA_REQUIRED_FOR_APPROVERS and self._must_set_up_mfa(request):
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)

    def _must_set_up_mfa(self, request) -> bool:
        if request.path.startswith(self.OPEN_PREFIXES) or not request.user.is_authenticated:
            return False
        if not any(a.role in self.MFA_REQUIRED_ROLES for a in current_roles_of(request.user)):
            return False
        return not Authenticator.objects.filter(user=request.user, type=Authenticator.Type.TOTP).exists()
