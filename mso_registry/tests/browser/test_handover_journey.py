"""Issue 15, points 2, 3 and 4 in headless Chromium, on the demo data, with screenshots in
var/screenshots/handover-*.png and axe-core on each page.

Hillside's handover (successor starts in two days): the page says when it can be completed and offers
no button; the registry administrator's attempt to accept its change-of-details request is refused
with the reason; the MSO cancels it and the request is withdrawn, the message naming only the person
emailed (Hillside has no board director). Riverside's handover: completing it moves the MSO's open
reviews and actions to the successor, who gets one email listing them and sees themselves as reviewer;
the leaver lands on a page that says what happened; the registry accepts and the national list (CSV)
names the successor."""

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from incidents import demo as incidents_demo
from incidents.models import OPEN_STATUSES, IncidentAction, MedicationIncident
from incidents.services import incident_action_add
from mso_registry import demo
from mso_registry.models import ChangeOfDetailsRequest, Handover, Role, RoleAssignment
from notifications.models import Notification
from tests.browser.test_demo_sign_in import PASSWORD, assert_accessible, sign_in
from users.demo import demo_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path("var/screenshots")


def _shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"handover-{name}.png"), full_page=True)


def _text(locator) -> str:
    return re.sub(r"\s+", " ", locator.inner_text())


def test_a_cancelled_handover_leaves_nothing_for_the_registry_to_accept(live_server, new_page, fast_passwords):
    demo.seed(password=PASSWORD)
    handover = Handover.objects.get(organisation__ods_code="R9H")
    starts = (timezone.localdate() + timedelta(days=2)).strftime("%-d %B %Y")
    handover.items.filter(required=True, done=False).update(done=True, evidence="Done in the demo.")

    # Point 4: every item is done, but the successor has not started: no button, and the date instead.
    mso = new_page()
    sign_in(mso, live_server, "mso@hillside.example")
    mso.goto(f"{live_server.url}/organisations/handovers/{handover.pk}/")
    finish = mso.get_by_role("region", name="Finish the handover")
    assert f"You can complete the handover from {starts}, the successor's start date." in _text(finish)
    assert finish.get_by_role("button", name="Complete the handover").count() == 0
    assert_accessible(mso, "a handover that cannot be completed yet")
    _shot(mso, "not-yet")

    # Point 2: the registry cannot accept the request for someone who is not yet the MSO.
    admin = new_page()
    sign_in(admin, live_server, "registry@medsafety.example")
    admin.goto(f"{live_server.url}/organisations/changes/")
    card = admin.locator("article", has_text="Hillside").filter(has_text="Dr Amara Lewis")
    assert "Dr Amara Lewis is not the current MSO" in _text(card)
    assert f"accept this once it is complete on or after {starts}" in _text(card)
    card.get_by_role("button", name="Accept").click()
    assert "Not accepted: this request no longer matches the organisation's record." in _text(admin.locator("main"))
    assert_accessible(admin, "the change list with a refused acceptance")
    _shot(admin, "accept-refused")

    # The MSO cancels: the request is withdrawn, and only the successor was emailed (no director at Hillside).
    mso.get_by_label("Or cancel it: why?").fill("Dr Lewis has taken a post elsewhere.")
    mso.get_by_role("button", name="Cancel the handover").click()
    message = _text(mso.locator(".alert", has_text="The handover is cancelled"))
    assert message.endswith("change-of-details request is withdrawn. Dr Amara Lewis has been emailed.")
    assert "director" not in message
    assert_accessible(mso, "the cancelled handover")
    _shot(mso, "cancelled")
    request = ChangeOfDetailsRequest.objects.get(handover=handover)
    assert request.status == ChangeOfDetailsRequest.Status.WITHDRAWN
    assert Notification.objects.filter(idempotency_key=f"handover-cancelled-successor:{handover.pk}").count() == 1

    admin.goto(f"{live_server.url}/organisations/changes/")
    assert "Dr Amara Lewis" not in _text(admin.locator("main"))  # nothing left awaiting the registry
    admin.goto(f"{live_server.url}/organisations/changes/?status=withdrawn")
    withdrawn = admin.locator("article", has_text="Dr Amara Lewis")
    assert "Withdrawn" in _text(withdrawn) and "handover was cancelled" in _text(withdrawn)
    assert withdrawn.get_by_role("button", name="Accept").count() == 0
    _shot(admin, "withdrawn")


def test_completing_moves_the_leavers_open_work_and_the_leaver_sees_what_happened(live_server, new_page, fast_passwords):
    demo.seed(password=PASSWORD)
    incidents_demo.seed(size=40)
    leaver = demo_user("mso@riverside.example", "Dr Priya Shah", PASSWORD)
    successor = demo_user("nia.roberts@riverside.example", "Dr Nia Roberts", PASSWORD)
    reviews = list(MedicationIncident.objects.filter(reviewer=leaver, status__in=OPEN_STATUSES).order_by("submitted_at"))
    assert reviews, "the demo gives the MSO open reviews to hand over"
    incident_action_add(incident=reviews[0], actor=leaver, description="Audit insulin charts on Ward 7", owner=leaver,
                        due_date=timezone.localdate() + timedelta(days=14))
    actions = list(IncidentAction.objects.filter(owner=leaver, done_at__isnull=True, incident__organisation__ods_code="R9R"))
    today = timezone.localdate().isoformat()

    mso = new_page()
    sign_in(mso, live_server, "mso@riverside.example")
    mso.goto(f"{live_server.url}/organisations/R9R/handover/")
    mso.get_by_label("Successor's work email").fill(successor.email)
    mso.get_by_label("Outgoing MSO's last day").fill(today)
    mso.get_by_label("Successor's first day as MSO").fill(today)
    mso.get_by_role("button", name="Start the handover").click()
    mso.wait_for_url("**/organisations/handovers/*/")
    assert "Dr Nia Roberts and Helen Morgan have been emailed." in _text(mso.locator("main"))
    handover = Handover.objects.get(organisation__ods_code="R9R")
    handover.items.filter(required=True, done=False).update(done=True, evidence="Done and checked.")
    mso.reload()
    item = mso.locator("li.handover-item", has_text="Move open incidents and actions")
    assert "MedSafety Hub does this when the handover completes" in _text(item)
    assert item.get_by_role("checkbox").count() == 0
    _shot(mso, "ready")

    mso.get_by_role("button", name="Complete the handover").click()
    mso.wait_for_load_state()
    main = _text(mso.locator("main"))
    assert f"Moved to them: {len(reviews)} open incident{'s' if len(reviews) != 1 else ''} under review" in main
    assert "Dr Nia Roberts and Helen Morgan have been emailed." in main
    # The leaver lands on the handover (not a 404), which says what happened to them.
    assert mso.url.endswith(f"/organisations/handovers/{handover.pk}/")
    done = mso.get_by_role("region", name="What happened")
    assert "You are no longer the Medication Safety Officer for Riverside University Hospitals" in _text(done)
    assert "once the national registry accepts the change-of-details request" in _text(done)
    assert_accessible(mso, "the completed handover as the leaver sees it")
    _shot(mso, "leaver-what-happened")

    for incident in reviews:
        incident.refresh_from_db()
        assert incident.reviewer == successor
    assert IncidentAction.objects.filter(pk__in=[a.pk for a in actions], owner=successor).count() == len(actions)
    emails = Notification.objects.filter(recipient=successor.email, idempotency_key__contains=str(handover.pk))
    assert emails.count() == 2  # the start, and one at completion listing what they now hold
    listed = {g["heading"]: g["lines"] for g in emails.get(idempotency_key__startswith="handover-completed").context["moved"]}
    assert len(listed["Open incidents you now review"]) == len(reviews)
    assert len(listed["Open actions you now own"]) == len(actions)

    # The successor opens one of the incidents they now review.
    new_mso = new_page()
    sign_in(new_mso, live_server, successor.email)
    new_mso.goto(f"{live_server.url}/incidents/{reviews[0].reference}/")
    assert "Reviewer Dr Nia Roberts" in _text(new_mso.locator("main"))
    _shot(new_mso, "successor-incident")

    # The registry accepts now that it is true; the national list (CSV) names the successor.
    admin = new_page()
    sign_in(admin, live_server, "registry@medsafety.example")
    admin.goto(f"{live_server.url}/organisations/changes/")
    card = admin.locator("article", has_text="Riverside").filter(has_text="Dr Nia Roberts")
    assert "Does not match" not in _text(card)
    card.get_by_role("button", name="Accept").click()
    assert "Accepted: the national list now shows Dr Nia Roberts" in _text(admin.locator("main"))
    _shot(admin, "accepted")
    admin.goto(f"{live_server.url}/organisations/?q=R9R")
    with admin.expect_download() as download:
        admin.get_by_role("link", name="CSV", exact=True).click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text())))
    row = next(r for r in rows if r[0] == "R9R")
    assert row[rows[0].index("National list: MSO")] == "Dr Nia Roberts <nia.roberts@riverside.example>"
    assert RoleAssignment.objects.current().get(organisation__ods_code="R9R", role=Role.MSO).user == successor
