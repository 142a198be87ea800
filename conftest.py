"""Project-wide fixtures: demo-shaped organisations and people, made with factories."""

import os

import pytest

from mso_registry.models import Role
from tests.factories import OrganisationFactory, RoleAssignmentFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() == "true"


def skip_or_fail(reason: str):
    """A missing service skips a test on a laptop and fails it in CI."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: services must be present)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _in_process_tasks_and_memory_mail(settings):
    """Unit tests run tasks in process and keep email in memory, whatever the environment says;
    the integration tests switch to the real broker and SMTP themselves."""
    from django.core.cache import cache, caches

    from audit import services as audit_services
    from config.celery_app import app

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    # A fast hash for test passwords; the real hasher is tested by signing in through allauth.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    cache.clear()
    caches["fragments"].clear()
    # A seal task published by an earlier test (to another test's worker) does not seal this test's events.
    audit_services._seal_due.clear()
    yield
    app.conf.task_always_eager = saved


@pytest.fixture
def riverside(db):
    return OrganisationFactory(name="Riverside University Hospitals NHS Foundation Trust", ods_code="R9R")


@pytest.fixture
def hillside(db):
    return OrganisationFactory(name="Hillside Community and Mental Health NHS Trust", ods_code="R9H")


def _person(email, organisation, role):
    user = UserFactory(email=email)
    RoleAssignmentFactory(user=user, organisation=organisation, role=role)
    return user


@pytest.fixture
def registry_admin(db):
    user = UserFactory(email="registry@medsafety.example")
    RoleAssignmentFactory(user=user, organisation=None, role=Role.REGISTRY_ADMIN)
    return user


@pytest.fixture
def riverside_mso(riverside):
    return _person("mso@riverside.example", riverside, Role.MSO)


@pytest.fixture
def riverside_staff(riverside):
    return _person("staff@riverside.example", riverside, Role.STAFF)


@pytest.fixture
def riverside_director(riverside):
    return _person("director@riverside.example", riverside, Role.BOARD_DIRECTOR)


@pytest.fixture
def riverside_cso(riverside):
    return _person("cso@riverside.example", riverside, Role.CSO)


@pytest.fixture
def riverside_governance(riverside):
    return _person("governance@riverside.example", riverside, Role.GOVERNANCE)


@pytest.fixture
def hillside_mso(hillside):
    return _person("mso@hillside.example", hillside, Role.MSO)
