"""Sign-in for the load: signed-in sessions minted for the bench accounts, API tokens, and the ids and
references the pages are asked for (run.py writes them to targets.json)."""

import random
from datetime import date

from bench_config import CLIENTS
from database import _django_setup


def _api_tokens(organisation, users) -> dict:
    """A token for the biggest trust's incidents and one for the national list (made here, not through
    the client page: the bench accounts hold no local administrator role)."""
    import secrets

    from api.models import ApiClient, Scope
    from api.services import token_hash

    tokens = {}
    for which, owner, creator, scopes in (("organisation", organisation, users["mso"], [Scope.INCIDENTS_READ]),
                                          ("national", None, users["registry"], [Scope.DIRECTORY_READ])):
        prefix = "bench" + secrets.token_hex(4)
        tokens[which] = f"msh_{prefix}_{secrets.token_urlsafe(24)}"
        ApiClient.objects.create(name=f"Bench {which} {prefix}", organisation=owner, scopes=scopes, token_prefix=prefix,
                                 token_hash=token_hash(tokens[which]), created_by=creator)
    return tokens


def mint_sessions() -> dict:
    """Per bench account, one signed-in session per locust user, plus the ids the pages need."""
    _django_setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django.db.models import Count

    from clinical_safety.models import HealthITSystem
    from incidents.models import MedicationIncident
    from mso_registry.models import Organisation
    from users.models import User

    import dataset

    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)  # the manifest storage needs it, as in make stack
    users = {role: User.objects.get(email=email) for role, email in dataset.BENCH_USERS.items()}
    # Approvers (CSO, registry administrator) must have an authenticator app in production
    # (config.middleware.ApproverMFAMiddleware); the bench sessions count as already past it.
    from allauth.mfa.models import Authenticator

    for user in users.values():
        Authenticator.objects.get_or_create(user=user, type=Authenticator.Type.TOTP,
                                            defaults={"data": {"secret": "bench-not-a-real-secret"}})
    sessions = {}
    for role, user in users.items():
        keys = []
        for _ in range(CLIENTS):
            store = SessionStore()
            store[SESSION_KEY] = str(user.pk)
            store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            store[HASH_SESSION_KEY] = user.get_session_auth_hash()
            store.set_expiry(3 * 3600)
            store.create()
            keys.append(store.session_key)
        sessions[role] = keys
    mso_org = Organisation.objects.get(role_assignments__user=users["mso"], role_assignments__role="mso",
                                       role_assignments__end_date__isnull=True)
    # Incident pages: a random spread over the trust's ten years, so the cache is not always warm.
    ids = list(MedicationIncident.objects.filter(organisation=mso_org).values_list("pk", flat=True))
    rng = random.Random(7)
    references = list(
        MedicationIncident.objects.filter(pk__in=rng.sample(ids, min(2000, len(ids)))).values_list("reference", flat=True)
    )
    from board_reports.selectors import month_start, months_before
    from board_reports.services import board_report_prepare

    board_report, _ = board_report_prepare(organisation=mso_org, month=months_before(month_start(date.today()), 1))
    system = HealthITSystem.objects.filter(cso=users["cso"]).annotate(n=Count("hazards")).order_by("-n").first()
    targets = {
        "api_tokens": _api_tokens(mso_org, users),
        "sessions": sessions,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "organisation_id": mso_org.pk,
        "organisation": mso_org.ods_code,
        "organisation_incidents": len(ids),
        "references": references,
        "system_id": system.pk,
        "system_hazards": system.n,
        "board_report_id": board_report.pk,
    }
    connection.close()
    return targets
