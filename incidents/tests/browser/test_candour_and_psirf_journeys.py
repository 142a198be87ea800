"""Issue 16's journeys in headless Chromium, each page checked with axe-core (WCAG 2.2 AA):
the MSO grades moderate harm, the duty of candour record appears, they record telling the patient in
person, download the letter as PDF and record it sent; the MSO commissions the After Action Review the
response plan suggests and completes it with a safety action; a thematic review from a filtered selection.
Screenshots in var/screenshots/."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from pypdf import PdfReader

from incidents import psirf_services, services
from incidents.models import CandourRecord, LearningResponse
from mso_registry import demo
from mso_registry.models import Organisation
from tests.browser.test_demo_sign_in import assert_accessible
from users.models import User

from .test_incident_journey import PASSWORD, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path("var/screenshots")


def _shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _world():
    demo.seed(password=PASSWORD)
    riverside = Organisation.objects.get(ods_code="R9R")
    return riverside, User.objects.get(email="staff@riverside.example"), User.objects.get(email="mso@riverside.example")


def _report(riverside, staff, **values):
    incident, _ = services.incident_report(
        reporter=staff, organisation=riverside, anonymous=False, occurred_at=timezone.now() - timedelta(days=1),
        department="Ward 7 (Acute Medicine)", stage="administering", psychological_harm="none",
        **{"error_types": ["extra_dose"], "physical_harm": "low", "description": "Insulin given twice.",
           "medicines": [{"name": "Insulin glargine", "route": "subcutaneous", "dose": "24 units"}], **values},
    )
    return incident


def test_mso_grades_moderate_harm_and_completes_the_duty_of_candour(live_server, new_page, fast_passwords):
    riverside, staff, _ = _world()
    incident = _report(riverside, staff)
    page = new_page()
    sign_in(page, live_server, "mso@riverside.example")
    page.goto(f"{live_server.url}/incidents/{incident.reference}/")
    assert page.get_by_text("Not a notifiable safety incident at its current grade.").is_visible()

    page.get_by_label("Physical harm").select_option("moderate")
    page.get_by_label("Reason for the grade").fill("Hypoglycaemia needed a glucose infusion.")
    page.get_by_role("button", name="Confirm or regrade").click()
    candour_card = page.locator("section", has=page.get_by_role("heading", name="Duty of candour"))
    assert candour_card.get_by_text("To tell in person").is_visible()
    _shot(page, "candour-incident-card")
    page.get_by_role("link", name="Open the duty of candour record").click()
    assert page.get_by_text("10 working days, weekends and bank holidays excluded").is_visible()
    assert_accessible(page, "the duty of candour record")

    page.get_by_label("Who was told").fill("the patient")
    page.get_by_label("Told by (name and role)").fill("Dr Priya Shah, consultant")
    page.get_by_label("What was said, and any support offered").fill("Explained the second dose and apologised.")
    page.get_by_role("button", name="Record telling them in person").click()
    assert page.get_by_role("status").get_by_text("must include an apology").is_visible()  # refused: no apology ticked
    assert page.get_by_label("What was said, and any support offered").input_value() == "Explained the second dose and apologised."
    page.get_by_label("An apology was given").check()
    page.get_by_role("button", name="Record telling them in person").click()
    assert page.get_by_text("Telling them in person is recorded").is_visible()

    letter = page.get_by_role("textbox", name="Written notification")
    assert "Insulin glargine" in letter.input_value() and "sorry" in letter.input_value()
    letter.fill(letter.input_value().replace("Dear the patient", "Dear Mr Okafor"))
    page.get_by_role("button", name="Save the letter").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the saved letter as PDF").click()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(Path(download.value.path()).read_bytes())).pages)
    assert "Dear Mr Okafor" in text and incident.reference in text and "staff@riverside.example" not in text
    _shot(page, "candour-letter-draft")

    page.get_by_label("Date sent").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Record the letter as sent").click()
    assert page.get_by_text("complete, in time").is_visible()
    assert page.get_by_text("Told in person and in writing; findings to share").is_visible()
    assert_accessible(page, "the duty of candour record, done")
    _shot(page, "candour-done")
    record = CandourRecord.objects.get(incident=incident)
    assert record.completed_in_time and record.letter_text.startswith("Dear Mr Okafor")


def test_mso_commissions_the_suggested_aar_and_completes_it_with_an_action(live_server, new_page, fast_passwords):
    riverside, staff, mso = _world()
    psirf_services.plan_rule_add(actor=mso, organisation=riverside, details={
        "name": "High-alert medicine with moderate harm", "response_type": "aar", "order": 10, "high_alert": True,
        "minimum_harm": "moderate"})
    incident = _report(riverside, staff, physical_harm="moderate")
    services.incident_grade(incident=incident, actor=mso, physical_harm="moderate", psychological_harm="none", note="Confirmed.")
    page = new_page()
    sign_in(page, live_server, "mso@riverside.example")
    page.goto(f"{live_server.url}/incidents/{incident.reference}/")
    assert page.get_by_text("Suggested: After Action Review (AAR).").is_visible()
    page.get_by_text("Commission a learning response").click()
    assert page.get_by_label("After Action Review (AAR)").is_checked()
    _shot(page, "psirf-suggestion")
    page.get_by_role("button", name="Commission it").click()
    assert page.get_by_text("After Action Review (AAR) commissioned").is_visible()
    response_url = page.url

    # The safety action is the incident's own action, linked to the response.
    page.goto(f"{live_server.url}/incidents/{incident.reference}/")
    page.get_by_role("textbox", name="Action").fill("One insulin chart per patient")
    page.get_by_label("Owner").select_option(str(mso.pk))
    page.get_by_label("Due date").fill((timezone.localdate() + timedelta(days=14)).isoformat())
    page.get_by_role("button", name="Add the action").click()
    assert page.get_by_text("Action added.").is_visible()
    page.goto(response_url)
    page.get_by_label(f"{incident.reference}: One insulin chart per patient", exact=False).check()
    page.get_by_role("button", name="Link the chosen actions").click()
    assert page.get_by_text("1 safety action linked.").is_visible()

    page.get_by_role("button", name="Complete the After Action Review (AAR)").click()
    assert page.get_by_text("Before completing it, record the findings").is_visible()  # refused, said why
    page.get_by_label("How the patient and family were engaged").fill("Met the patient and her husband on the ward.")
    page.get_by_label("How staff were engaged").fill("AAR with the four nurses on the evening shift.")
    page.get_by_role("textbox", name="Findings").fill("The evening dose was charted on two pages and both were signed for.")
    page.get_by_role("button", name="Save", exact=True).click()
    assert_accessible(page, "the AAR with its findings")
    page.get_by_role("button", name="Complete the After Action Review (AAR)").click()
    assert page.get_by_text("After Action Review (AAR) completed.").is_visible()
    _shot(page, "psirf-aar-completed")
    response = LearningResponse.objects.get()
    assert response.status == "completed" and response.safety_actions.count() == 1


def test_a_thematic_review_from_a_filtered_selection(live_server, new_page, fast_passwords):
    riverside, staff, _ = _world()
    omitted = [_report(riverside, staff, error_types=["omitted_delayed"], description="Dose missed: not on the ward.",
                       medicines=[{"name": "Co-careldopa", "route": "oral", "dose": "25/100 mg"}]) for _ in range(3)]
    other = _report(riverside, staff)
    page = new_page()
    sign_in(page, live_server, "mso@riverside.example")
    page.goto(f"{live_server.url}/incidents/thematic/")
    page.get_by_role("combobox", name="What went wrong").select_option("omitted_delayed")
    page.get_by_role("button", name="Show").click()
    assert page.get_by_role("heading", name="3 incidents", exact=True).is_visible()
    assert page.get_by_role("link", name=other.reference).count() == 0
    assert_accessible(page, "the thematic view")
    _shot(page, "psirf-thematic-view")

    page.get_by_label("Title").fill("Omitted Parkinson's doses")
    page.get_by_role("button", name="Start the thematic review").click()
    assert page.get_by_text("Thematic review started across 3 incidents").is_visible()
    assert_accessible(page, "the thematic review")
    _shot(page, "psirf-thematic-review")
    review = LearningResponse.objects.get(title="Omitted Parkinson's doses")
    assert set(review.incidents.all()) == set(omitted)
