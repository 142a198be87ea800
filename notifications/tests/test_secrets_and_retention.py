"""No secret in the outbox: a secret part is sealed, opened only to render the email, removed once
sent, never shown by the admin site; what a sent email said is emptied after the retention period."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from notifications.sealing import SealBroken, seal, unseal
from notifications.services import (
    notification_deliver,
    notification_queue,
    notifications_purge_sent_context,
    notifications_queue_many,
)
from notifications.tasks import purge_sent_notification_context

pytestmark = pytest.mark.django_db

LINK = "/accounts/password/reset/key/9z-secret-token-abc123/"


def _queue(key="secret:1", **overrides):
    fields = {
        "recipient": "brand.new@riverside.example",
        "subject": "You are the next MSO",
        "template": "mso_registry/email/handover_successor",
        "context": {"organisation": "Riverside", "successor": "Dr New", "getting_started": [], "path": "/h/1/"},
        "secret_context": {"invitation_path": LINK},
        "idempotency_key": key,
    }
    return notification_queue(**(fields | overrides))


def test_a_secret_is_stored_sealed_and_nowhere_in_clear():
    notification = _queue()
    notification.refresh_from_db()
    assert "secret-token" not in str(notification.context) + notification.sealed_context
    assert unseal(notification.sealed_context) == {"invitation_path": LINK}


def test_the_email_carries_the_secret_and_the_row_forgets_it_once_sent():
    notification = _queue()
    notification_deliver(notification_id=notification.pk)
    assert LINK in mail.outbox[0].body and LINK in mail.outbox[0].alternatives[0][0]
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT and notification.sealed_context == ""
    assert notification.context["organisation"] == "Riverside"  # what is not secret stays until the retention


def test_a_failed_send_keeps_the_secret_sealed_for_the_next_attempt():
    notification = _queue()
    with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=ConnectionRefusedError("down")):
        notification_deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING and notification.sealed_context
    Notification.objects.filter(pk=notification.pk).update(next_attempt_at=timezone.now())
    notification_deliver(notification_id=notification.pk)
    assert LINK in mail.outbox[0].body


def test_the_old_secret_key_still_opens_what_it_sealed_and_a_lost_key_is_named(settings):
    notification = _queue()
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-key-" * 6, [old_key]
    assert unseal(Notification.objects.get(pk=notification.pk).sealed_context) == {"invitation_path": LINK}

    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(SealBroken):
        unseal(Notification.objects.get(pk=notification.pk).sealed_context)
    notification_deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING and mail.outbox == []
    assert "DJANGO_SECRET_KEY_FALLBACKS" in notification.last_error and "secret-token" not in notification.last_error


def test_many_rows_at_once_seal_their_secrets_too():
    notifications_queue_many([
        {"recipient": "a@x.example", "subject": "s", "template": "mso_registry/email/handover_successor",
         "context": {}, "secret_context": {"invitation_path": LINK}, "idempotency_key": "many:1"},
    ])  # fmt: skip
    row = Notification.objects.get(idempotency_key="many:1")
    assert "secret-token" not in row.sealed_context and unseal(row.sealed_context) == {"invitation_path": LINK}


def test_the_admin_site_never_shows_the_secret(admin_client):
    notification = _queue()
    page = admin_client.get(reverse("admin:notifications_notification_change", args=[notification.pk])).text
    assert "Sealed (a link that signs someone in)" in page
    assert "secret-token" not in page and notification.sealed_context not in page
    notification_deliver(notification_id=notification.pk)
    page = admin_client.get(reverse("admin:notifications_notification_change", args=[notification.pk])).text
    assert "Sealed" not in page and "secret-token" not in page


# --- retention ---------------------------------------------------------------------------------------


def _sent(key, days_ago, **fields):
    notification = _queue(key=key, **fields)
    notification_deliver(notification_id=notification.pk)
    Notification.objects.filter(pk=notification.pk).update(sent_at=timezone.now() - timedelta(days=days_ago))
    return notification


def test_the_context_of_sent_emails_is_emptied_after_the_retention_period(settings):
    settings.NOTIFICATION_CONTEXT_RETENTION_DAYS = 90
    old = _sent("old", 91)
    recent = _sent("recent", 89)
    pending = _queue(key="pending")
    Notification.objects.filter(pk=pending.pk).update(created_at=timezone.now() - timedelta(days=200))

    assert purge_sent_notification_context() == 1
    assert notifications_purge_sent_context() == 0  # nothing left to empty: a second run writes nothing

    old.refresh_from_db(), recent.refresh_from_db(), pending.refresh_from_db()
    assert old.context == {} and old.sealed_context == ""
    assert (old.status, old.recipient, old.subject) == (Notification.Status.SENT, "brand.new@riverside.example",
                                                        "You are the next MSO")  # the record that it was sent stays
    assert recent.context["organisation"] == "Riverside"
    assert pending.context["organisation"] == "Riverside" and unseal(pending.sealed_context)


def test_the_retention_period_is_a_setting(settings):
    old = _sent("ten-days", 10)
    settings.NOTIFICATION_CONTEXT_RETENTION_DAYS = 30
    assert notifications_purge_sent_context() == 0
    settings.NOTIFICATION_CONTEXT_RETENTION_DAYS = 7
    assert notifications_purge_sent_context() == 1
    old.refresh_from_db()
    assert old.context == {}


def test_the_purge_runs_daily_on_beat(settings):
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"].endswith("purge_sent_notification_context"))
    assert entry["schedule"] <= 86400


# --- rows written before secrets were sealed ---------------------------------------------------------


def test_the_migration_seals_unsent_secrets_and_drops_sent_ones():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("notifications.migrations.0003_notification_sealed_context")
    body = {"body_text": f"Reset: {LINK}", "body_html": f"<a href='{LINK}'>Reset</a>"}
    unsent = Notification.objects.create(
        recipient="a@x.example", subject="Reset", template="notifications/email/prerendered", context=body,
        idempotency_key="legacy:1",
    )
    sent = Notification.objects.create(
        recipient="a@x.example", subject="Reset", template="notifications/email/prerendered", context=body,
        idempotency_key="legacy:2", status=Notification.Status.SENT,
    )
    director = Notification.objects.create(
        recipient="d@x.example", subject="Handover", template="mso_registry/email/handover_director",
        context={"organisation": "Riverside", "invitation_path": LINK}, idempotency_key="legacy:3",
    )
    migration.seal_existing_secrets(apps, None)
    for row in (unsent, sent, director):
        row.refresh_from_db()
        assert "secret-token" not in str(row.context) + row.sealed_context
    assert unseal(unsent.sealed_context) == body and sent.sealed_context == "" and director.sealed_context == ""
    assert director.context == {"organisation": "Riverside"}
    assert seal({}) == ""
