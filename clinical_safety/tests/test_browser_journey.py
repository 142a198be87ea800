"""The issue's journey in headless Chromium: the CSO adds a hazard, scores it, adds a control, issues
the log and submits a safety case; governance approves it and downloads it as PDF; a later hazard edit
puts it out of date."""

from pathlib import Path

import pytest

from clinical_safety.models import SafetyCaseReport, SafetyCaseStatus
from tests.browser.conftest import browser, fast_passwords, new_page  # noqa: F401 - pytest fixtures
from tests.browser.test_demo_sign_in import assert_accessible
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


def test_cso_to_governance_journey(fast_passwords, live_server, new_page, epma, cso, riverside_governance):  # noqa: F811
    page = new_page()
    sign_in(page, live_server, cso.email)
    page.get_by_role("link", name="Clinical safety").first.click()
    page.get_by_role("link", name="MedChart EPMA").click()
    page.get_by_role("link", name="Add a hazard").click()
    assert_accessible(page, "the hazard form")

    page.get_by_label("Title").fill("Allergy status not displayed on the prescribing screen")
    page.get_by_label("Description").fill("The allergy banner is hidden on narrow screens.")
    page.get_by_label("Causes").fill("Responsive layout collapses the banner.")
    page.get_by_label("Effect").fill("A medicine is prescribed to which the patient is allergic.")
    page.get_by_label("Potential clinical impact").fill("Anaphylaxis.")
    page.get_by_label("Initial severity").select_option("4")
    page.get_by_label("Initial likelihood").select_option("3")
    page.get_by_label("Residual severity").select_option("4")
    page.get_by_label("Residual likelihood").select_option("1")
    page.get_by_role("button", name="Add the hazard").click()
    page.get_by_role("heading", level=1, name="H-001 Allergy status not displayed on the prescribing screen").wait_for()
    assert "initial risk 3, residual risk 2" in page.inner_text("main")  # Major x Medium, Major x Very low

    page.get_by_label("Type of control").select_option("design")
    page.get_by_label("The control").fill("Allergy banner fixed on every prescribing screen.")
    page.get_by_label("How it was verified").fill("Test script TS-030 passed.")
    page.get_by_label("Verified on").fill("2026-03-04")
    page.get_by_role("button", name="Add the control").click()
    page.get_by_text("The control is added to H-001").wait_for()
    assert_accessible(page, "the hazard page")

    page.get_by_role("link", name="MedChart EPMA").click()
    page.get_by_role("link", name="Issue the hazard log").click()
    page.get_by_label("I have reviewed the hazard log").check()
    page.get_by_role("button", name="Sign and issue the hazard log").click()
    page.get_by_text("Hazard log version 1 is issued and signed.").wait_for()
    assert "GPhC 2071234" in page.inner_text("main")

    page.get_by_role("link", name="MedChart EPMA").click()
    page.get_by_role("link", name="Draft a safety case").click()
    page.get_by_label("Release or deployment").fill("Version 4.2 go-live")
    page.get_by_label("Conclusion").fill("MedChart EPMA 4.2 is acceptably safe to deploy.")
    page.get_by_role("button", name="Save the draft").click()
    page.get_by_text("H-001 is reduced to an acceptable level.").wait_for()
    page.get_by_role("button", name="Sign and submit").click()
    page.get_by_text("sent to the governance team").wait_for()

    reviewer = new_page()
    sign_in(reviewer, live_server, riverside_governance.email)
    reviewer.get_by_role("link", name="MedChart EPMA: Version 4.2 go-live").first.click()
    assert_accessible(reviewer, "the safety case awaiting a decision")
    reviewer.get_by_label("Approve").check()
    reviewer.get_by_role("button", name="Record the decision").click()
    reviewer.get_by_text("The safety case is approved.").wait_for()
    report = SafetyCaseReport.objects.get()
    assert report.status == SafetyCaseStatus.APPROVED and report.decided_by == riverside_governance

    with reviewer.expect_download() as download:
        reviewer.get_by_role("link", name="Download as PDF").click()
    assert download.value.suggested_filename.endswith("-approved.pdf")
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")

    page.get_by_role("link", name="MedChart EPMA").click()
    page.get_by_role("link", name="H-001 Allergy status not displayed on the prescribing screen").click()
    page.get_by_role("link", name="Edit or rescore").click()
    page.get_by_label("Outstanding actions").fill("Check tablets on the children's ward.")
    page.get_by_role("button", name="Save the hazard").click()
    page.goto(f"{live_server.url}/clinical-safety/safety-cases/{report.pk}/")
    assert "Out of date since" in page.inner_text("main")
    report.refresh_from_db()
    assert report.out_of_date_reason.startswith("H-001 (Allergy status not displayed on the prescribing screen) was changed")
