"""Issue 15, point 7, in headless Chromium on the demo data: the MSO gives an action to a member of
staff; they are emailed, see it under "Your actions" on their home page with its due date, open it
(the incident shown without its description, department or NHS number) and mark it done with the
evidence, which the MSO then reads on the incident. Each page passes axe; screenshots go to
var/screenshots/action-owner-*.png."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from incidents import services
from incidents.models import IncidentAction
from mso_registry import demo
from mso_registry.models import Organisation
from notifications.models import Notification
from tests.browser.test_demo_sign_in import PASSWORD, assert_accessible, sign_in
from users.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("var/screenshots")


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"action-owner-{name}.png"), full_page=True)


def test_staff_are_given_an_action_see_it_and_mark_it_done_with_evidence(live_server, new_page, fast_passwords):
    demo.seed(password=PASSWORD)
    staff_user = User.objects.get(email="staff@riverside.example")
    incident, _ = services.incident_report(
        reporter=staff_user, organisation=Organisation.objects.get(ods_code="R9R"), anonymous=False,
        occurred_at=timezone.now() - timedelta(hours=5), department="Ward 7 (Acute Medicine)", stage="administering",
        error_types=["omitted_delayed"], physical_harm="low", psychological_harm="none",
        description="Mr Example in bed 4 missed his 08:00 dose of enoxaparin.", nhs_number="9434765919",
        medicines=[{"name": "Enoxaparin", "route": "subcutaneous", "dose": "40 mg"}],
    )
    due = timezone.localdate() + timedelta(days=10)

    # The MSO gives the action to Sam Patel (staff).
    mso = new_page()
    sign_in(mso, live_server, "mso@riverside.example")
    mso.goto(f"{live_server.url}/incidents/{incident.reference}/")
    mso.get_by_role("textbox", name="Action", exact=True).fill("Check the ward's anticoagulant dose times against the chart")
    mso.get_by_label("Owner").select_option(label="Sam Patel (staff@riverside.example)")
    mso.get_by_label("Due date").fill(due.isoformat())
    mso.get_by_role("button", name="Add the action").click()
    assert mso.get_by_text("Action added.").is_visible()
    action = IncidentAction.objects.get(incident=incident)
    assert list(Notification.objects.filter(template="incidents/email/action_assigned")
                .values_list("recipient", flat=True)) == ["staff@riverside.example"]

    # Staff see it on their home page with its due date, and open it.
    staff = new_page()
    sign_in(staff, live_server, "staff@riverside.example")
    your_actions = staff.get_by_role("region", name="Your actions")
    assert your_actions.get_by_text(f"due {due:%-d %b %Y}").is_visible()
    assert_accessible(staff, "the staff home page with an action")
    shot(staff, "1-home")
    your_actions.get_by_role("link", name="Check the ward's anticoagulant dose times").click()
    assert staff.get_by_role("heading", name=f"Action on medication incident {incident.reference}").is_visible()
    assert staff.get_by_text("Enoxaparin").first.is_visible()
    assert staff.get_by_text("Mr Example").count() == 0 and staff.get_by_text("9434765919").count() == 0
    assert staff.get_by_text("Ward 7").count() == 0
    staff.get_by_role("button", name="Mark the action as done").click()
    assert staff.get_by_text("Say what was done and where the evidence is.").first.is_visible()
    assert_accessible(staff, "the action page with its error")
    shot(staff, "2-action-needs-evidence")
    staff.get_by_label("What was done, and the evidence").fill("All 28 charts checked on 3 Dec; two corrected. List in the ward safety folder.")
    staff.get_by_role("button", name="Mark the action as done").click()
    assert staff.get_by_text("Action marked as done, with your evidence.").is_visible()
    assert_accessible(staff, "the action page once done")
    shot(staff, "3-done")

    # The MSO reads the evidence on the incident.
    mso.reload()
    assert mso.get_by_text("Evidence from Sam Patel: All 28 charts checked on 3 Dec").is_visible()
    shot(mso, "4-incident")
    action.refresh_from_db()
    assert action.done_by == staff_user and action.done_note.startswith("All 28 charts")
