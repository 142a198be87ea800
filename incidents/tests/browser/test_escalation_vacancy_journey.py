"""Issue 15, point 5, in headless Chromium on the demo data: Hillside names no board director. Its MSO
reports a severe incident; the incident page, the home page and the record say plainly that no
director is named; the registry administrator sees the vacancy in the directory and names a director;
the escalation becomes theirs, they are emailed once, and they acknowledge it. Each page passes axe;
screenshots go to var/screenshots/escalation-vacancy-*.png."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from incidents.models import Escalation
from mso_registry import demo
from notifications.models import Notification
from tests.browser.test_demo_sign_in import PASSWORD, assert_accessible, sign_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NO_DIRECTOR = "No board director for medication safety named"
SHOTS = Path("var/screenshots")


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"escalation-vacancy-{name}.png"), full_page=True)


def test_an_escalation_at_hillside_waits_for_a_director_then_becomes_theirs(live_server, new_page, fast_passwords):
    demo.seed(password=PASSWORD)

    # Hillside's MSO reports a severe incident: a red flag, with no director to escalate to.
    mso = new_page()
    sign_in(mso, live_server, "mso@hillside.example")
    mso.goto(f"{live_server.url}/incidents/report/")
    # Yesterday: 07:45 today is still to come when the suite runs before then.
    mso.get_by_label("Date it happened").fill((timezone.localdate() - timedelta(days=1)).isoformat())
    mso.get_by_label("Time it happened").fill("07:45")
    mso.get_by_label("Where it happened").fill("Cedar Ward")
    mso.get_by_label("Administering").check()
    mso.get_by_label("Wrong dose: overdose").check()
    mso.locator("#id_medicines-0-name").fill("Morphine sulfate oral solution")
    mso.get_by_label("Severe physical harm").check()
    mso.get_by_label("No psychological harm").check()
    mso.get_by_label("What happened?").fill("10 mL given instead of 1 mL; naloxone given.")
    mso.get_by_role("button", name="Send the report").click()
    reference = mso.get_by_test_id("reference").inner_text().strip()

    mso.goto(f"{live_server.url}/incidents/{reference}/")
    alert = mso.get_by_role("status").filter(has_text=NO_DIRECTOR)
    assert alert.is_visible()
    assert mso.get_by_text("Waiting for a board director to be named").is_visible()
    assert mso.get_by_text("the director's acknowledgement").count() == 0
    assert_accessible(mso, "the incident page with no board director")
    shot(mso, "1-incident-page")

    mso.goto(f"{live_server.url}/")
    assert mso.get_by_text("Escalations with no one to acknowledge them").is_visible()
    assert mso.get_by_role("strong").filter(has_text=NO_DIRECTOR).first.is_visible()
    assert_accessible(mso, "the MSO's home page with no board director")
    shot(mso, "2-mso-home")

    # The registry administrator sees the vacancy and names a director.
    director_user = UserFactory(email="director@hillside.example", full_name="Dr Asha Patel", password=PASSWORD)
    registry = new_page()
    sign_in(registry, live_server, "registry@medsafety.example")
    registry.goto(f"{live_server.url}/organisations/?no_board_director=on&q=R9H")
    assert registry.get_by_text(NO_DIRECTOR).first.is_visible()
    assert_accessible(registry, "the directory showing the vacancy")
    shot(registry, "3-directory")

    registry.goto(f"{live_server.url}/organisations/R9H/")
    assert registry.get_by_text(f"{NO_DIRECTOR}: an escalation").is_visible()
    registry.get_by_label("Person's work email").fill("director@hillside.example")
    registry.locator("#id_role").select_option(label="Board director for medication safety")
    registry.get_by_role("button", name="Add role").click()
    assert registry.get_by_text(f"1 open escalation ({reference}) is now theirs, and they have been emailed.").is_visible()
    assert_accessible(registry, "the record after naming the director")
    shot(registry, "4-director-named")

    escalation = Escalation.objects.get(incident__reference=reference)
    assert escalation.assigned_to == director_user

    # The new director finds it on their home page and acknowledges it.
    director = new_page()
    sign_in(director, live_server, "director@hillside.example")
    director.get_by_role("link", name=reference).click()
    director.get_by_label("Your comment").first.fill("Taken to the executive team today.")
    director.get_by_role("button", name=f"Acknowledge the escalation of {reference}").click()
    assert director.get_by_text("acknowledged; the MSO has been told").is_visible()
    shot(director, "5-acknowledged")

    # The vacancy went to the MSO team and the registry once; the director was emailed once, when named.
    about = Notification.objects.filter(subject__contains=reference)
    vacancy = sorted(about.filter(template="incidents/email/escalation_vacancy").values_list("recipient", flat=True))
    assert vacancy == sorted(["mso@hillside.example", "hillside.mso@nhs.example", settings.NATIONAL_REGISTRY_EMAIL])
    assert list(about.filter(template="incidents/email/escalation_assigned").values_list("recipient", flat=True)) == [
        "director@hillside.example"]
    assert not about.filter(template="incidents/email/escalation_raised").exists()
