"""The shell of the site: home pages by role, health, sign-in, security settings, demo data."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from mso_registry.models import Organisation, RoleAssignment
from notifications.models import Notification
from users.models import User

pytestmark = pytest.mark.django_db
BASE_DIR = Path(__file__).resolve().parent.parent


def test_home_needs_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_mso_home_shows_their_organisation_and_its_gaps(client, riverside_mso):
    client.force_login(riverside_mso)
    page = client.get("/").text
    assert "Riverside University Hospitals" in page
    assert "No board director for medication safety named: an escalation" in page


def test_staff_home_shows_no_record_gaps(client, riverside_staff):
    client.force_login(riverside_staff)
    page = client.get("/").text
    assert "Staff (reporter)" in page
    assert "Needs attention" not in page


def test_registry_admin_home_shows_national_counts(client, registry_admin, riverside, hillside, riverside_mso):
    client.force_login(registry_admin)
    response = client.get("/")
    assert response.context["national"] == {"organisations": 2, "with_mso": 1, "vacant": 1, "stale": 2}
    assert [o.ods_code for o in response.context["without_mso"]] == ["R9H"]


def test_user_with_no_role_is_told_what_to_do(client):
    client.force_login(User.objects.create_user(email="new@trust.example", password="x" * 14))
    assert "You do not hold a role in any organisation yet" in client.get("/").text


def test_navigation_follows_roles(client, riverside_staff, registry_admin):
    client.force_login(riverside_staff)
    assert "National registry" not in client.get("/").text
    client.force_login(registry_admin)
    assert "National registry" in client.get("/").text


# --- health ------------------------------------------------------------------------------------


def test_health_is_ok_with_database_and_no_backlog(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "broker": "in-process",
        "oldest_pending_notification_seconds": None,
    }


def test_health_is_503_when_notifications_are_stuck(client, settings):
    from datetime import timedelta

    from django.utils import timezone

    Notification.objects.create(
        recipient="a@b.example", subject="s", template="t", idempotency_key="k",
        created_at=timezone.now() - timedelta(seconds=settings.HEALTH_MAX_PENDING_AGE_SECONDS + 60),
    )
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["oldest_pending_notification_seconds"] > settings.HEALTH_MAX_PENDING_AGE_SECONDS


def test_health_is_503_when_the_database_is_down(client):
    with mock.patch("config.views._database_ok", return_value=False):
        response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["database"] == "down"


def test_health_is_503_when_the_broker_is_down(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with mock.patch("config.celery_app.app.connection_for_write", side_effect=ConnectionError("down")):
        response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["broker"] == "down"


# --- sign-in ---------------------------------------------------------------------------------


def test_sign_in_with_email_and_password(client, riverside_mso):
    from tests.factories import TEST_PASSWORD

    response = client.post(reverse("account_login"), {"login": "mso@riverside.example", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_wrong_password_gets_a_clear_message(client, riverside_mso):
    response = client.post(reverse("account_login"), {"login": "mso@riverside.example", "password": "wrong"})
    assert response.status_code == 200
    assert "not correct" in response.text


def test_repeated_failed_sign_ins_are_throttled(client, riverside_mso):
    from tests.factories import TEST_PASSWORD

    login = reverse("account_login")
    for n in range(5):
        assert "not correct" in client.post(login, {"login": "mso@riverside.example", "password": f"wrong{n}"}).text
    # allauth allows 5 failures per 5 minutes for one account; then even the right password waits.
    response = client.post(login, {"login": "mso@riverside.example", "password": TEST_PASSWORD})
    assert "Too many failed login attempts" in response.text
    assert client.get("/").status_code == 302


def test_admin_login_goes_through_allauth(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_password_reset_email_goes_through_the_outbox(client, riverside_mso, django_capture_on_commit_callbacks):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "mso@riverside.example"})
    assert response.status_code == 302
    notification = Notification.objects.get(recipient="mso@riverside.example")
    assert notification.status == Notification.Status.SENT
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


# --- security headers ---------------------------------------------------------------------------


def test_pages_carry_csp_without_unsafe_inline_and_deny_framing(client):
    response = client.get(reverse("account_login"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_pages_have_no_cdn_links(client, riverside_mso):
    client.force_login(riverside_mso)
    page = client.get("/").text
    assert "cdn." not in page and "https://" not in page.split("<body")[0]


# --- production settings --------------------------------------------------------------------


def _run_django(env_overrides, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CACHE_URL", "CELERY_"))}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    "missing",
    ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL", "AUDIT_HMAC_KEY"],
)
def test_production_settings_refuse_to_start_without(missing):
    env = {
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": "x" * 60,
        "DJANGO_ALLOWED_HOSTS": "medsafety.example",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/medsafety",
        "CACHE_URL": "rediscache://127.0.0.1:6379/1",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "AUDIT_HMAC_KEY": "k" * 40,
    }
    del env[missing]
    result = _run_django(env, "check")
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_settings_refuse_a_short_audit_key():
    result = _run_django(
        {"DJANGO_ENV": "production", "DJANGO_SECRET_KEY": "x" * 60, "DJANGO_ALLOWED_HOSTS": "a.example",
         "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/medsafety", "CACHE_URL": "rediscache://127.0.0.1:6379/1",
         "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0", "AUDIT_HMAC_KEY": "short"},
        "check",
    )
    assert result.returncode != 0
    assert "AUDIT_HMAC_KEY" in result.stderr and "32" in result.stderr


def test_production_settings_refuse_sqlite():
    result = _run_django(
        {"DJANGO_ENV": "production", "DJANGO_SECRET_KEY": "x" * 60, "DJANGO_ALLOWED_HOSTS": "a.example",
         "DATABASE_URL": "sqlite:///var/x.sqlite3", "CACHE_URL": "rediscache://127.0.0.1:6379/1",
         "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0"},
        "check",
    )
    assert result.returncode != 0
    assert "real database" in result.stderr


def test_production_settings_pass_the_deploy_check():
    result = _run_django(
        {"DJANGO_ENV": "production", "DJANGO_SECRET_KEY": "a-long-random-production-secret-" * 3,
         "DJANGO_ALLOWED_HOSTS": "medsafety.example", "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/medsafety",
         "CACHE_URL": "rediscache://127.0.0.1:6379/1", "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
         "AUDIT_HMAC_KEY": "a-long-random-audit-key-" * 2},
        "check", "--deploy", "--fail-level", "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- demo data ---------------------------------------------------------------------------------


def test_seed_demo_is_idempotent_and_makes_the_demo_accounts(capsys):
    call_command("seed_demo")
    counts = (User.objects.count(), Organisation.objects.count(), RoleAssignment.objects.count(), Notification.objects.count())
    call_command("seed_demo")
    assert (User.objects.count(), Organisation.objects.count(), RoleAssignment.objects.count(),
            Notification.objects.count()) == counts
    output = capsys.readouterr().out
    for email in ["staff@riverside.example", "mso@riverside.example", "director@riverside.example",
                  "cso@riverside.example", "governance@riverside.example", "mso@hillside.example",
                  "registry@medsafety.example"]:
        user = User.objects.get(email=email)
        assert user.check_password("medsafety-demo")
        assert user.emailaddress_set.get(email=email).verified
        assert email in output
    call_command("verify_audit")


def test_seed_demo_is_refused_in_production(settings):
    from django.core.management import CommandError

    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="does not run in production"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_sign_in_page_offers_sign_up_only_when_open(client, settings):
    settings.SIGNUP_OPEN = False
    assert "Create an account" not in client.get(reverse("account_login")).text
    assert client.get(reverse("account_signup")).status_code == 200  # allauth's "sign up closed" page
    assert "closed" in client.get(reverse("account_signup")).text.lower()
    settings.SIGNUP_OPEN = True
    assert "Create an account" in client.get(reverse("account_login")).text


def test_seed_demo_takes_a_size_for_incidents():
    from incidents.models import MedicationIncident

    call_command("seed_demo", "--incidents", "40")
    # 40 bulk-loaded per demo trust over the last year, plus the demo's own stories made through the
    # services; Riverside also has an older, quieter year before it (the board report's shift).
    last_year = timezone.now() - timedelta(days=365)
    per_trust = {code: MedicationIncident.objects.filter(organisation__ods_code=code, submitted_at__gte=last_year).count()
                 for code in ("R9R", "R9H")}  # fmt: skip
    assert all(40 <= count <= 45 for count in per_trust.values()), per_trust
    older = MedicationIncident.objects.filter(organisation__ods_code="R9R", submitted_at__lt=last_year).count()
    assert 15 <= older <= 35, older
    with pytest.raises(Exception, match="0 or more"):
        call_command("seed_demo", "--incidents", "-1")
