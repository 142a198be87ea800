"""The journey of issue 4 in headless Chromium: a reporter on a phone reports an insulin overdose
with severe harm; the MSO sees it flagged and reviews it; the director acknowledges the
escalation; the reporter reads the feedback; every email is in the outbox once. Each page
passes axe-core (WCAG 2.2 AA)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import MedicationIncident, Status
from mso_registry import demo
from notifications.models import Notification
from tests.browser.conftest import PHONE
from tests.browser.test_demo_sign_in import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "browser-test-password"


def sign_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


def test_insulin_overdose_from_report_to_feedback(live_server, new_page, fast_passwords):
    demo.seed(password=PASSWORD)

    # The reporter, on a phone.
    page = new_page(PHONE)
    sign_in(page, live_server, "staff@riverside.example")
    page.goto(f"{live_server.url}/incidents/report/")
    page.get_by_role("button", name="Send the report").click()
    assert page.get_by_role("alert").get_by_text("Choose the stage at which it happened.").is_visible()
    assert_accessible(page, "the report form showing its errors")

    now = timezone.localtime()
    # Yesterday: 07:45 today is still to come when the suite runs before then.
    page.get_by_label("Date it happened").fill((now - timedelta(days=1)).date().isoformat())
    page.get_by_label("Time it happened").fill("07:45")
    page.get_by_label("Where it happened").fill("Ward 7 (Acute Medicine)")
    page.get_by_label("Administering").check()
    page.get_by_label("Wrong dose: overdose").check()
    page.locator("#id_medicines-0-name").fill("Insulin aspart")
    assert page.get_by_label("High-alert medicine").is_checked()  # ticked as the name was typed
    page.locator("#id_medicines-0-dose").fill("40 units instead of 4")
    page.get_by_label("Severe physical harm").check()
    page.get_by_label("No psychological harm").check()
    page.get_by_label("What happened?").fill("Insulin 40 units given instead of 4: the U on the chart was read as a 0.")
    page.get_by_role("button", name="Send the report").click()
    reference = page.get_by_test_id("reference").inner_text().strip()
    assert reference.startswith(f"MI-{now.year}-")
    assert_accessible(page, "the receipt")

    # The MSO sees it flagged and reviews it.
    mso = new_page()
    sign_in(mso, live_server, "mso@riverside.example")
    mso.goto(f"{live_server.url}/incidents/review/?red_flag=yes")
    assert_accessible(mso, "the review queue")
    mso.get_by_role("link", name=reference).click()
    assert mso.get_by_text("Severe physical harm reported.").first.is_visible()
    mso.get_by_role("button", name="Start review").click()
    mso.get_by_label("NCC MERP category").select_option("F")
    mso.get_by_role("button", name="Confirm or regrade").click()
    mso.get_by_role("textbox", name="Learning summary").fill("Never abbreviate units; insulin syringes only.")
    mso.get_by_role("button", name="Save the learning summary").click()
    mso.get_by_role("textbox", name="Feedback to the reporter").fill("Thank you. Prescribers now write 'units' in full.")
    mso.get_by_role("button", name="Share the feedback").click()
    assert_accessible(mso, "the incident under review")

    # The director acknowledges the escalation the red flag opened.
    director = new_page()
    sign_in(director, live_server, "director@riverside.example")
    director.get_by_role("link", name=reference).click()
    director.get_by_label("Your comment").first.fill("Noted; to the next board quality committee.")
    director.get_by_role("button", name=f"Acknowledge the escalation of {reference}").click()
    assert director.get_by_text("acknowledged; the MSO has been told").is_visible()
    assert_accessible(director, "the director's escalations")

    # The MSO closes it.
    mso.reload()
    mso.get_by_role("button", name="Close the incident").click()
    incident = MedicationIncident.objects.get(reference=reference)
    assert incident.status == Status.CLOSED

    # The reporter sees the feedback.
    page.goto(f"{live_server.url}/incidents/mine/")
    page.get_by_role("link", name=reference).click()
    assert page.get_by_text("Prescribers now write 'units' in full.").is_visible()
    assert_accessible(page, "the reporter's view of their report")

    # Every email about the incident is in the outbox once.
    about = Notification.objects.filter(subject__contains=reference)
    keys = list(about.values_list("idempotency_key", flat=True))
    assert len(keys) == len(set(keys))
    recipients = sorted(about.values_list("recipient", "subject"))
    assert [r for r, s in recipients if s.startswith("Red flag")] == ["mso@riverside.example", "riverside.mso@nhs.example"]
    assert [r for r, s in recipients if s.startswith("Escalation")] == ["director@riverside.example"]
    assert [r for r, s in recipients if s.startswith("Feedback")] == ["staff@riverside.example"]
    assert sorted(r for r, s in recipients if s.startswith("The board director acknowledged")) == [
        "mso@riverside.example", "riverside.mso@nhs.example"
    ]
