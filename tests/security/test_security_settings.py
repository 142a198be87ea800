"""Security settings: the headers on every response, what production settings switch on, and the
authenticator app that anyone who approves must use.

The deploy check (`check --deploy --fail-level WARNING` with production settings) and the sign-in
throttle are tested in tests/test_platform.py; the refused-request log in test_permission_matrix.py."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from .permission_table import Rule
from .test_permission_matrix import url_patterns

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]


def _csp_problems(response) -> list[str]:
    csp = response.get("Content-Security-Policy", "")
    problems = []
    if not csp:
        problems.append("no Content-Security-Policy")
    if "unsafe-inline" in csp or "unsafe-eval" in csp:
        problems.append(f"an unsafe source in {csp!r}")
    if "frame-ancestors 'none'" not in csp:
        problems.append("no frame-ancestors 'none'")
    if "script-src 'self'" not in csp or "style-src 'self'" not in csp:
        problems.append(f"scripts or styles not limited to our own files: {csp!r}")
    if response.get("X-Frame-Options") != "DENY":
        problems.append("no X-Frame-Options: DENY")
    if response.get("X-Content-Type-Options") != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    return problems


def test_every_url_answers_with_the_csp_and_no_framing(client, riverside_mso):
    """Every URL pattern, signed out and signed in, whatever the answer (page, redirect, 403, 404,
    405, a download): the same policy, with no 'unsafe-inline' and frame-ancestors 'none'."""
    urls = sorted({Rule("", None).url(pattern, kwargs) for pattern, _, kwargs in url_patterns()})
    missing, statuses = [], set()
    for signed_in in (False, True):
        if signed_in:
            client.force_login(riverside_mso)
        for url in urls:
            response = client.get(url)
            statuses.add(response.status_code)
            missing += [f"{url} ({response.status_code}, signed in: {signed_in}): {p}" for p in _csp_problems(response)]
    assert not missing, "\n".join(missing)
    assert {200, 302, 404} <= statuses  # pages, redirects and refusals were all among them
    assert len(urls) > 100


def test_error_pages_carry_the_csp_too(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert not _csp_problems(response)


def test_no_template_has_inline_script_style_or_event_handlers():
    """The CSP would block them: scripts and styles live in static/ files."""
    import re

    offenders = []
    for path in (BASE_DIR / "templates").rglob("*.html"):
        if "email" in path.parts or path.parent.name == "documents":
            continue  # emails and PDF documents are not served under the CSP
        text = path.read_text()
        for pattern in (r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", r"<style\b", r"\sstyle=", r"\son[a-z]+="):
            offenders += [f"{path.relative_to(BASE_DIR)}: {m.group(0)!r}" for m in re.finditer(pattern, text)]
    assert not offenders, "\n".join(offenders)


# --- production settings ------------------------------------------------------------------------

PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": "a-long-random-production-secret-" * 3,
    "DJANGO_ALLOWED_HOSTS": "medsafety.example",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/medsafety",
    "CACHE_URL": "rediscache://127.0.0.1:6379/1",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "AUDIT_HMAC_KEY": "a-long-random-audit-key-" * 2,
}
SETTINGS_SHOWN = [
    "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_HTTPONLY",
    "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER",
    "MFA_REQUIRED_FOR_APPROVERS", "ACCOUNT_EMAIL_VERIFICATION", "SIGNUP_OPEN", "DEBUG",
]  # fmt: skip


def _load_settings(environment: dict) -> subprocess.CompletedProcess:
    """Load the settings in a fresh interpreter with exactly these variables (and none of ours)."""
    prefixes = ("DJANGO_", "DATABASE_URL", "MFA_", "SECURE_", "CACHE_URL", "CELERY_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.update(environment)
    script = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {SETTINGS_SHOWN!r}}}))"
    )
    return subprocess.run(
        [sys.executable, "-c", script], cwd=BASE_DIR, capture_output=True, text=True, timeout=60,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
    )  # fmt: skip


def _settings_of(environment: dict) -> dict:
    result = _load_settings(environment)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _refusal(environment: dict) -> str:
    """The ImproperlyConfigured message the settings refuse to start with."""
    result = _load_settings(environment)
    assert result.returncode != 0, f"started with {environment}"
    assert "ImproperlyConfigured" in result.stderr, result.stderr
    return result.stderr.strip().splitlines()[-1]


def _production_settings() -> dict:
    return _settings_of(PRODUCTION_ENV)


def test_production_settings_make_cookies_secure_and_send_hsts_for_a_year():
    production = _production_settings()
    assert production["SESSION_COOKIE_SECURE"] is True and production["CSRF_COOKIE_SECURE"] is True
    assert production["SESSION_COOKIE_HTTPONLY"] is True and production["CSRF_COOKIE_HTTPONLY"] is True
    assert production["SECURE_HSTS_SECONDS"] >= 31536000 and production["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert production["MFA_REQUIRED_FOR_APPROVERS"] is True
    assert production["ACCOUNT_EMAIL_VERIFICATION"] == "mandatory" and production["SIGNUP_OPEN"] is False
    assert production["DEBUG"] is False


@pytest.mark.parametrize("value", ["prod", "Production", "staging", "development ", ""])
def test_an_unknown_django_env_refuses_to_start(value):
    """A typo must not quietly run the development settings (debug pages, the development key)."""
    message = _refusal({"DJANGO_ENV": value})
    assert f"DJANGO_ENV={value!r} is not known" in message
    assert "development, test, production" in message


def test_debug_is_off_unless_development_asks_for_it():
    assert _settings_of({})["DEBUG"] is False  # development, not asked
    assert _settings_of({"DJANGO_ENV": "test"})["DEBUG"] is False
    assert _settings_of({"DJANGO_DEBUG": "true"})["DEBUG"] is True  # what `make run` sets


@pytest.mark.parametrize("environment", ["test", "production"])
def test_debug_asked_for_outside_development_refuses_to_start(environment):
    variables = {**PRODUCTION_ENV, "DJANGO_ENV": environment, "DJANGO_DEBUG": "true"}
    message = _refusal(variables)
    assert f"DJANGO_DEBUG is on with DJANGO_ENV={environment}" in message


@pytest.mark.parametrize("cache_url", [None, "locmemcache://", "dummycache://", "filecache:///tmp/medsafety-cache"])
def test_production_refuses_to_start_without_a_shared_cache(cache_url):
    variables = {k: v for k, v in PRODUCTION_ENV.items() if k != "CACHE_URL"}
    if cache_url:
        variables["CACHE_URL"] = cache_url
    message = _refusal(variables)
    assert "CACHE_URL" in message and "do not hold across workers and servers" in message


@pytest.mark.parametrize("broker_url", [None, "", "memory://"])
def test_production_refuses_to_start_without_a_broker(broker_url):
    variables = {k: v for k, v in PRODUCTION_ENV.items() if k != "CELERY_BROKER_URL"}
    if broker_url is not None:
        variables["CELERY_BROKER_URL"] = broker_url
    message = _refusal(variables)
    assert "CELERY_BROKER_URL" in message and "beat never runs" in message


def test_production_accepts_memcached_as_the_shared_cache():
    assert _settings_of({**PRODUCTION_ENV, "CACHE_URL": "pymemcache://127.0.0.1:11211"})["DEBUG"] is False


def test_with_production_values_an_https_response_sends_hsts_and_secure_cookies(client, settings, riverside_mso):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    response = client.get(reverse("account_login"), secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert response.cookies["csrftoken"]["secure"] is True and response.cookies["csrftoken"]["httponly"] is True
    client.force_login(riverside_mso)
    response = client.get("/", secure=True)
    assert response.cookies["sessionid"]["secure"] is True and response.cookies["sessionid"]["httponly"] is True
    assert response.cookies["sessionid"]["samesite"] == "Lax"


def test_in_development_plain_http_gets_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get(reverse("account_login"))


# --- MFA for those who approve --------------------------------------------------------------------

ACTIVATE = "/accounts/2fa/totp/activate/"


@pytest.fixture
def mfa_required(settings):
    settings.MFA_REQUIRED_FOR_APPROVERS = True


@pytest.mark.parametrize("approver", ["riverside_cso", "riverside_governance", "registry_admin"])
def test_an_approver_without_an_authenticator_is_sent_to_set_one_up(client, mfa_required, approver, request):
    client.force_login(request.getfixturevalue(approver))
    for url in ("/", reverse("incidents:my_reports"), reverse("mso_registry:organisation_list")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == ACTIVATE, url
    # The set-up page, the password prompt allauth shows before it, and signing out stay open (no loop).
    setup = client.get(ACTIVATE)
    assert setup.status_code == 302 and setup["Location"].startswith(reverse("account_reauthenticate"))
    assert client.get(setup["Location"]).status_code == 200
    assert client.post(reverse("account_logout")).status_code == 302
    assert client.get("/")["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("person", ["riverside_staff", "riverside_mso", "riverside_director"])
def test_people_who_do_not_approve_are_not_asked_for_an_authenticator(client, mfa_required, person, request):
    client.force_login(request.getfixturevalue(person))
    assert client.get("/").status_code == 200


def test_without_the_setting_an_approver_is_not_stopped(client, settings, riverside_cso):
    settings.MFA_REQUIRED_FOR_APPROVERS = False
    client.force_login(riverside_cso)
    assert client.get("/").status_code == 200


def test_an_approver_who_sets_up_the_authenticator_app_can_go_on(client, mfa_required, riverside_cso):
    """The whole journey through allauth: sign in, be sent to set up, scan (the secret), type a code."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value, yield_hotp_counters_from_time

    from tests.factories import TEST_PASSWORD

    response = client.post(reverse("account_login"), {"login": "cso@riverside.example", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert client.get("/")["Location"] == ACTIVATE
    # allauth asks for the password again before an authenticator is added.
    prompt = client.get(ACTIVATE)["Location"]
    assert prompt.startswith(reverse("account_reauthenticate"))
    assert client.post(prompt, {"password": TEST_PASSWORD})["Location"] == ACTIVATE
    page = client.get(ACTIVATE)
    assert page.status_code == 200 and "Authenticator" in page.text
    secret = client.session[SECRET_SESSION_KEY]
    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    response = client.post(ACTIVATE, {"code": code})
    assert response.status_code == 302, response.text if response.status_code == 200 else ""
    assert Authenticator.objects.filter(user=riverside_cso, type=Authenticator.Type.TOTP).exists()
    assert client.get("/").status_code == 200
    assert client.get(reverse("clinical_safety:system_list")).status_code == 200
