"""Sign and issue, sign and submit: pressed again on the same page (a double click, a retry after the
"briefly unavailable" page), they are done once and the CSO is told so."""

import pytest
from django.db import connection
from django.urls import reverse

from audit.models import AuditEvent
from clinical_safety import services
from clinical_safety.models import HazardLogVersion, SafetyCaseStatus
from notifications.models import Notification
from submissions.services import submission_key_new
from tests.submission_keys import KEY, both_at_once, key_on


def test_issuing_the_hazard_log_twice_from_the_same_page_issues_one_version(client, hazard, epma, cso):
    client.force_login(cso)
    url = reverse("clinical_safety:hazard_log_issue", args=[epma.pk])
    key = key_on(client, url)

    first = client.post(url, {"note": "Go-live", "confirm": "on", "submission_key": key})
    again = client.post(url, {"note": "Go-live", "confirm": "on", "submission_key": key}, follow=True)

    version = HazardLogVersion.objects.get()
    detail = reverse("clinical_safety:hazard_log_version_detail", args=[version.pk])
    assert first["Location"] == detail and again.redirect_chain[-1][0] == detail
    assert "Version 1 was already issued" in again.text
    assert AuditEvent.objects.filter(action="hazard_log.issued").count() == 1
    client.post(url, {"note": "Next", "confirm": "on", "submission_key": key_on(client, url)})  # a new showing issues again
    assert HazardLogVersion.objects.count() == 2


def test_submitting_a_safety_case_twice_from_the_same_page_submits_it_once(client, draft_case, cso, riverside_governance):
    client.force_login(cso)
    key = key_on(client, reverse("clinical_safety:safety_case_detail", args=[draft_case.pk]))
    url = reverse("clinical_safety:safety_case_submit", args=[draft_case.pk])

    client.post(url, {"submission_key": key})
    emails = Notification.objects.count()
    again = client.post(url, {"submission_key": key}, follow=True)

    draft_case.refresh_from_db()
    assert draft_case.status == SafetyCaseStatus.SUBMITTED
    assert "already signed and submitted" in again.text and "alert-danger" not in again.text
    assert AuditEvent.objects.filter(action="safety_case.submitted").count() == 1
    assert Notification.objects.count() == emails > 0


@pytest.mark.django_db(transaction=True)
def test_two_issues_at_once_with_the_same_key_issue_one_version(hazard, epma, cso):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL; SQLite runs one writer at a time")
    key = submission_key_new(user=cso, purpose=f"hazard_log.issue:{epma.pk}")

    outcomes = both_at_once(lambda: services.hazard_log_issue(actor=cso, system=epma, submission_key=key))

    version = HazardLogVersion.objects.get()
    assert outcomes == [("found", version.pk), ("made", version.pk)]


def test_a_safety_case_draft_saved_twice_from_the_same_form_is_one_draft(client, issued, epma, cso):
    from clinical_safety.models import SafetyCaseReport

    client.force_login(cso)
    url = reverse("clinical_safety:safety_case_create", args=[epma.pk])
    data = {"release": "4.2", "scope": "Adults.", "intended_use": "EPMA.", "hazard_log_version": issued.pk,
            "outstanding_actions": "", "conclusion": "Safe.", "submission_key": key_on(client, url)}

    client.post(url, data)
    again = client.post(url, data, follow=True)

    report = SafetyCaseReport.objects.get()
    assert again.redirect_chain[-1][0] == reverse("clinical_safety:safety_case_detail", args=[report.pk])
    assert "already saved when you first pressed Save" in again.text
    # Editing the draft carries no key: saving an edit twice changes nothing twice.
    assert not KEY.search(client.get(reverse("clinical_safety:safety_case_edit", args=[report.pk])).text)
