"""Hazards past their review date: the owner and the CSO are told once per review date (beat)."""

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from clinical_safety import services, tasks
from notifications.models import Notification

from .conftest import hazard_details

pytestmark = pytest.mark.django_db

TEMPLATE = "clinical_safety/email/hazard_review_due"


def _reminders():
    return Notification.objects.filter(template=TEMPLATE)


@pytest.fixture
def owner(riverside_governance):
    return riverside_governance


@pytest.fixture
def overdue_hazard(epma, cso, owner):
    yesterday = timezone.localdate() - timedelta(days=1)
    return services.hazard_create(
        actor=cso, system=epma, details=hazard_details(owner=owner, review_date=yesterday)
    )


def test_a_passed_review_date_emails_the_owner_and_the_cso_once(overdue_hazard, cso, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_hazard_review_reminders() == 2
    assert sorted(_reminders().values_list("recipient", flat=True)) == sorted([cso.email, owner.email])
    assert {m.to[0] for m in mail.outbox if "Hazard review due" in m.subject} == {cso.email, owner.email}
    message = next(m for m in mail.outbox if m.to == [owner.email])
    assert "H-001 Wrong patient selected from the ward list" in message.body
    assert f"/clinical-safety/hazards/{overdue_hazard.pk}/" in message.body

    # Hourly runs after that send nothing more for the same date.
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_hazard_review_reminders() == 0
        assert tasks.send_hazard_review_reminders() == 0
    assert _reminders().count() == 2


def test_a_new_review_date_gets_its_own_reminder_when_it_passes(overdue_hazard, cso, owner):
    services.hazard_review_reminders_send()
    new_date = timezone.localdate() + timedelta(days=30)
    services.hazard_update(
        actor=cso, hazard=overdue_hazard, details=hazard_details(owner=owner, review_date=new_date)
    )
    assert services.hazard_review_reminders_send() == 0
    assert services.hazard_review_reminders_send(today=new_date + timedelta(days=1)) == 2
    keys = set(_reminders().values_list("idempotency_key", flat=True))
    assert f"hazard-{overdue_hazard.pk}-review-{new_date.isoformat()}-{owner.email}" in keys
    assert _reminders().count() == 4


def test_no_reminder_before_the_date_for_closed_hazards_or_without_a_date(epma, cso):
    today = timezone.localdate()
    services.hazard_create(actor=cso, system=epma, details=hazard_details(review_date=today))
    services.hazard_create(actor=cso, system=epma, details=hazard_details(review_date=today + timedelta(days=7)))
    services.hazard_create(
        actor=cso, system=epma, details=hazard_details(review_date=date(2020, 1, 1), status="closed")
    )
    services.hazard_create(actor=cso, system=epma, details=hazard_details(review_date=None))
    assert services.hazard_review_reminders_send() == 0
    assert not _reminders().exists()


def test_without_an_owner_the_cso_alone_is_told(epma, cso):
    services.hazard_create(
        actor=cso, system=epma, details=hazard_details(owner=None, review_date=date(2026, 1, 5))
    )
    assert services.hazard_review_reminders_send(today=date(2026, 2, 1)) == 1
    assert list(_reminders().values_list("recipient", flat=True)) == [cso.email]


def test_the_reminder_runs_hourly_on_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["clinical-safety-hazard-reviews"]
    assert entry["task"] == "clinical_safety.tasks.send_hazard_review_reminders"
    assert entry["schedule"] <= 3600
