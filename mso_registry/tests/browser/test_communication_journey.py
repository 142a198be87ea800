"""Issue 6 in headless Chromium. The registry administrator sends an alert needing action to every
organisation in the Midlands; Riverside's MSO sees it on the home page, marks it received and the
action complete; the tracking page shows the rest outstanding and downloads them; after the deadline
the reminders go out once. Then a local learning bulletin: Riverside's MSO builds one from a closed
incident and publishes it; a member of staff reads it from the home page without the reporter or
patient details; the MSO sees the read count. axe-core checks each page (WCAG 2.2 AA)."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import demo as incidents_demo
from incidents.models import LearningBulletin, MedicationIncident
from incidents.selectors import bulletin_audience
from mso_registry import demo
from mso_registry.models import CommunicationRecipient, NationalCommunication, Organisation, Region
from mso_registry.tasks import send_communication_reminders
from notifications.models import Notification
from tests.browser.test_demo_sign_in import PASSWORD, assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Insulin pens: stop withdrawing insulin from pen devices with a syringe"


def _text(locator) -> str:
    return re.sub(r"\s+", " ", locator.inner_text())


def test_an_alert_reaches_every_midlands_mso_and_riverside_completes_it(live_server, new_page, fast_passwords):
    demo.seed(password=PASSWORD)
    midlands = Organisation.objects.filter(region=Region.MIDLANDS).count()
    assert midlands > 2

    # The registry administrator writes the alert and checks the recipients before sending.
    admin = new_page()
    sign_in(admin, live_server, "registry@medsafety.example")
    admin.get_by_role("link", name="Communications", exact=True).click()
    assert_accessible(admin, "the national communications list")
    admin.get_by_role("link", name="Write a communication").click()
    admin.get_by_label("Alert: action required").check()
    admin.get_by_label("Title").fill(TITLE)
    admin.get_by_role("textbox", name="Message", exact=True).fill(
        "Check that no ward draws insulin from a pen with a syringe; remove the practice."
    )
    admin.get_by_role("button", name="Save and check the recipients").click()
    assert admin.get_by_text("An alert needing action needs the date by which to act.").is_visible()
    assert admin.get_by_label("Title").input_value() == TITLE  # what was typed stays
    assert_accessible(admin, "the communication form showing its error")
    admin.get_by_label("Action required by").fill((timezone.localdate() + timedelta(days=14)).isoformat())
    admin.get_by_label("NHS England region").select_option(label="Midlands")
    admin.get_by_role("button", name="Save and check the recipients").click()
    assert_accessible(admin, "the draft with its recipients")
    admin.get_by_role("button", name=f"Send to {midlands} organisations").click()
    assert admin.get_by_text(f"Sent to {midlands} organisations.").is_visible()
    assert_accessible(admin, "the tracking page just after sending")
    tracking_url = admin.url

    communication = NationalCommunication.objects.get(title=TITLE)
    mailboxes = set(communication.recipients.exclude(mailbox="").values_list("mailbox", flat=True))
    queued = Notification.objects.filter(idempotency_key__startswith=f"national-communication:{communication.pk}:")
    assert set(queued.values_list("recipient", flat=True)) == mailboxes and queued.count() == len(mailboxes)
    assert "riverside.mso@nhs.example" in mailboxes

    # Riverside's MSO finds it on the home page, marks it received, then the action complete.
    mso = new_page()
    sign_in(mso, live_server, "mso@riverside.example")
    communications = mso.get_by_role("region", name="National communications")
    assert communications.get_by_role("link", name=TITLE).is_visible()
    assert_accessible(mso, "the MSO's home page with the alert")
    communications.get_by_role("link", name=TITLE).click()
    assert_accessible(mso, "the alert as the MSO sees it")
    mso.get_by_role("button", name="Mark as received").click()
    assert mso.get_by_text("marked received").is_visible()
    mso.get_by_role("button", name="Mark the action complete").click()  # without a note first
    assert mso.get_by_text("Say what was done, so that the record shows it.").is_visible()
    mso.get_by_label("What was done").fill("No ward stocks syringes beside insulin pens; told all ward managers.")
    mso.get_by_role("button", name="Mark the action complete").click()
    assert mso.get_by_text("marked action complete").is_visible()
    assert mso.get_by_text("No ward stocks syringes beside insulin pens").is_visible()
    assert_accessible(mso, "the alert after the action is complete")

    # The administrator sees Riverside done and the rest outstanding, filters them and downloads them.
    admin.goto(tracking_url)
    counts = _text(admin.get_by_role("region", name="Who has acknowledged"))
    assert "1 action complete" in counts and f"{midlands - 1} not yet acknowledged" in counts
    admin.get_by_label("State").select_option(label="Not yet acknowledged")
    admin.get_by_role("button", name="Apply").click()
    rows = admin.locator("tbody tr")
    assert rows.count() == midlands - 1
    assert "Riverside University Hospitals" not in admin.locator("tbody").inner_text()
    assert_accessible(admin, "the tracking page filtered to those outstanding")
    with admin.expect_download() as download:
        admin.get_by_role("link", name="CSV", exact=True).click()
    exported = list(csv.reader(io.StringIO(download.value.path().read_text())))
    assert len(exported) - 1 == midlands - 1
    assert {row[5] for row in exported[1:]} == {"Not yet acknowledged"}

    # The deadline passes: the hourly task reminds the organisations still outstanding, once.
    yesterday = timezone.localdate() - timedelta(days=1)
    NationalCommunication.objects.filter(pk=communication.pk).update(action_required_by=yesterday)
    assert send_communication_reminders() == {"reminded": midlands - 1, "directors_told": 0}
    assert send_communication_reminders() == {"reminded": 0, "directors_told": 0}
    reminded = CommunicationRecipient.objects.filter(communication=communication, reminded_at__isnull=False)
    assert reminded.count() == midlands - 1 and not reminded.filter(organisation__ods_code="R9R").exists()
    reminded_people = set(Notification.objects.filter(idempotency_key__startswith="communication-reminder:")
                          .values_list("recipient", flat=True))
    assert {"hillside.mso@nhs.example", "mso@hillside.example"} <= reminded_people
    assert not {"riverside.mso@nhs.example", "mso@riverside.example"} & reminded_people  # Riverside has acted
    admin.reload()
    assert f"{midlands - 1} reminded after the deadline" in _text(admin.get_by_role("region", name="Who has acknowledged"))


def test_mso_publishes_a_learning_bulletin_that_staff_read_from_their_home_page(live_server, new_page, fast_passwords):
    demo.seed(password=PASSWORD)
    incidents_demo.seed(size=20)
    LearningBulletin.objects.all().delete()  # the demo's own bulletin; this test writes one
    closed = MedicationIncident.objects.filter(organisation__ods_code="R9R", status="closed").order_by("-closed_at").first()
    reporter = closed.reporter

    mso = new_page()
    sign_in(mso, live_server, "mso@riverside.example")
    mso.get_by_role("button", name="Incidents").click()  # the incident pages share one menu
    mso.get_by_role("link", name="Bulletins", exact=True).click()
    assert_accessible(mso, "the bulletin list")
    mso.get_by_role("link", name="Write a bulletin").click()
    mso.get_by_role("button", name="Save the draft").click()
    assert mso.get_by_text("Give the bulletin a title.").is_visible()
    assert_accessible(mso, "the bulletin form showing its errors")
    mso.get_by_label("Title").fill("Learning from last month: check stock before the drug round")
    mso.get_by_label("What we learned").fill("Most omitted doses happened when stock ran out. Check the stock list each shift.")
    mso.get_by_label(closed.reference).check()
    mso.get_by_role("button", name="Save the draft").click()
    assert mso.get_by_text("Draft: not published").first.is_visible()
    assert_accessible(mso, "the draft bulletin")
    mso.get_by_role("button", name="Publish to").click()
    assert mso.get_by_text("Published: it is on the home page of everyone").is_visible()
    people = bulletin_audience(LearningBulletin.objects.get().organisation_id).count()
    assert f"1 of {people} people" in _text(mso.get_by_role("region", name="Who has read it"))  # the MSO, so far
    assert_accessible(mso, "the published bulletin as its MSO sees it")

    staff = new_page()
    sign_in(staff, live_server, "staff@riverside.example")
    bulletins = staff.get_by_role("region", name="Learning bulletins")
    bulletins.get_by_role("link", name="Learning from last month: check stock before the drug round").click()
    main = staff.get_by_role("main").inner_text()
    assert "The incidents behind it" in main and "Check the stock list each shift." in main
    assert closed.reference not in main and closed.description not in main
    if reporter is not None:
        assert reporter.full_name not in main and reporter.email not in main
    assert "Who has read it" not in main
    assert_accessible(staff, "the bulletin as staff read it")

    mso.reload()
    assert f"2 of {people} people" in _text(mso.get_by_role("region", name="Who has read it"))
