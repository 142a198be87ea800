"""Redis down or hung while staff report incidents through the real report form.

The reports go through the incident report view (Django's test client, the pytest PostgreSQL
test database); a real Celery worker subprocess on a redis-server of the test's own sends the
emails to an aiosmtpd sink that counts them by Message-ID.

1. Redis stopped while 200 red-flag reports (FAULT_REPORTS) are submitted: every request returns in
   under 5 s, all of them are saved with their medicines, and once Redis is back every email (the MSO's
   red flag, the board director's escalation) reaches the sink exactly once.
2. Redis accepting connections and never replying: a report still returns in under 5 s, and its
   emails are delivered later by the sweep.
"""

import time

import pytest
from django.urls import reverse

from incidents.models import MedicationIncident
from notifications.models import Notification
from tests.integration.fixtures import REQUEST_BUDGET_SECONDS, barrier, quickly, wait_for

from .helpers import FAULT_REPORTS, report_form

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

REPORTS = FAULT_REPORTS
REPORT_URL = reverse("incidents:incident_report")


def _sweep_until_all_sent(expected: int, sink):
    """What beat does every minute, run through the broker by the worker until nothing is left."""
    from notifications.tasks import sweep_pending_notifications

    def all_sent():
        if Notification.objects.exclude(status=Notification.Status.SENT).exists():
            sweep_pending_notifications.apply_async(retry=False)
            time.sleep(0.5)
            return False
        return sink.distinct() >= expected

    wait_for(all_sent, what=f"{expected} emails to be sent by the sweep", timeout=max(120, expected / 5), interval=0.5)


def test_reports_sent_with_redis_stopped_are_all_saved_and_each_email_is_sent_once_it_is_back(
    own_redis, start_worker, publish_to, smtp_sink, riverside_staff, riverside_mso, riverside_director, client, settings,
    fault_figures,
):
    settings.NOTIFICATION_SWEEP_GRACE_SECONDS = 0
    worker = start_worker(own_redis.url)
    publish_to(own_redis.url, worker.queue)
    client.force_login(riverside_staff)

    own_redis.stop()
    slowest = 0.0
    for n in range(REPORTS):
        response, seconds = quickly(lambda: client.post(REPORT_URL, report_form(n)))
        assert response.status_code == 302, f"report {n} answered {response.status_code}"
        assert "/receipt/" in response["Location"]
        slowest = max(slowest, seconds)
    assert slowest < REQUEST_BUDGET_SECONDS, f"the slowest report took {slowest:.1f} s with Redis down"

    # All saved, each whole: its medicines and what went wrong.
    incidents = MedicationIncident.objects.prefetch_related("medicines", "error_type_rows")
    assert incidents.count() == REPORTS
    assert all(i.medicines.count() == 2 and i.error_type_rows.count() == 1 for i in incidents)
    # The MSO, the generic MSO mailbox and the board director, for every report; none sent yet.
    emails = Notification.objects.count()
    assert emails == REPORTS * 3
    assert not Notification.objects.exclude(status=Notification.Status.PENDING).exists()
    assert smtp_sink.total() == 0

    own_redis.start()
    (_, delivery_seconds) = quickly(lambda: _sweep_until_all_sent(emails, smtp_sink))
    barrier(smtp_sink, "after the sweeps")

    assert smtp_sink.distinct() == emails + 1  # each row, and the barrier
    assert smtp_sink.duplicates() == {}
    assert set(Notification.objects.values_list("status", flat=True)) == {Notification.Status.SENT}
    for notification in Notification.objects.all():
        assert smtp_sink.count(notification.message_id) == 1
    fault_figures(
        requests_sent=REPORTS, requests_failed=0, reports_saved=incidents.count(), slowest_request_seconds=round(slowest, 2),
        notifications_queued=emails, emails_received=smtp_sink.total() - 1, duplicates=0,
        seconds_to_deliver_all_after_redis_back=round(delivery_seconds, 1),
    )  # fmt: skip


def test_a_report_to_a_hung_redis_returns_within_5_seconds_and_is_emailed_later(
    stalled_broker, shared_redis_url, start_worker, publish_to, smtp_sink, riverside_staff, riverside_mso,
    riverside_director, client, settings, fault_figures,
):
    settings.NOTIFICATION_SWEEP_GRACE_SECONDS = 0
    worker = start_worker(shared_redis_url)  # on the real Redis, for the sweep afterwards
    publish_to(stalled_broker.url, worker.queue)
    client.force_login(riverside_staff)

    response, seconds = quickly(lambda: client.post(REPORT_URL, report_form(1)))
    assert response.status_code == 302
    assert seconds < REQUEST_BUDGET_SECONDS, f"the report took {seconds:.1f} s on a hung Redis"
    assert stalled_broker.accepted, "the publish never reached the hung listener"
    # A second report in the same minute does not pay the timeout again.
    response, second_seconds = quickly(lambda: client.post(REPORT_URL, report_form(2)))
    assert response.status_code == 302 and second_seconds < 1.0, f"the second report took {second_seconds:.1f} s"

    assert MedicationIncident.objects.count() == 2
    emails = list(Notification.objects.all())
    assert len(emails) == 6 and {n.status for n in emails} == {Notification.Status.PENDING}

    publish_to(shared_redis_url, worker.queue)  # Redis answers again
    _sweep_until_all_sent(len(emails), smtp_sink)
    barrier(smtp_sink, "after the sweep")
    for notification in emails:
        assert smtp_sink.count(notification.message_id) == 1
    assert smtp_sink.duplicates() == {}
    fault_figures(
        requests_sent=2, requests_failed=0, first_request_seconds=round(seconds, 2),
        second_request_seconds=round(second_seconds, 2), notifications_queued=len(emails),
        emails_received=smtp_sink.total() - 1, duplicates=0,
    )  # fmt: skip
