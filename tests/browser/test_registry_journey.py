"""The registry journeys in headless Chromium: the registry administrator finds every vacant
organisation in two clicks and downloads the list; an MSO hands over to a successor from start to
completion. axe-core checks each page on the way (WCAG 2.2 AA)."""

import csv
import io

import pytest
from django.utils import timezone

from mso_registry import demo
from mso_registry.models import Handover, Role, RoleAssignment
from notifications.models import Notification

from .test_demo_sign_in import PASSWORD, assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_registry_admin_finds_vacancies_in_two_clicks_and_downloads_them(live_server, new_page):
    demo.seed(password=PASSWORD)
    page = new_page()
    sign_in(page, live_server, "registry@medsafety.example")
    page.get_by_role("link", name="National registry").click()  # click 1
    assert_accessible(page, "the national directory")
    page.get_by_role("link", name="MSO post vacant").click()  # click 2
    rows = page.locator("tbody tr")
    assert rows.count() > 5
    assert page.locator("tbody .badge", has_text="Vacant").count() == rows.count()
    assert_accessible(page, "the directory filtered to vacancies")

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV", exact=True).click()
    exported = list(csv.reader(io.StringIO(download.value.path().read_text())))
    assert len(exported) - 1 == rows.count()
    assert {row[5] for row in exported[1:]} == {"VACANT"}

    for link in ("Change-of-details requests", "Import from CSV", "CSO register"):
        page.get_by_role("link", name=link).first.click()
        assert_accessible(page, link)
        page.go_back()


def _tick_my_items(page):
    """Tick every open required item this person may tick, with evidence."""
    for item in page.locator("li.handover-item").all():
        if item.locator("input[type=checkbox]").count() and not item.locator("input[type=checkbox]").is_checked():
            if "(recommended)" in item.inner_text():
                continue
            item.get_by_label("Evidence").fill("Done and checked in the browser test.")
            item.get_by_label("Done").check()
            item.get_by_role("button", name="Save").click()
            page.wait_for_load_state()


def test_mso_hands_over_to_a_new_successor_in_the_browser(live_server, new_page):
    demo.seed(password=PASSWORD)
    today = timezone.localdate().isoformat()
    mso = new_page()
    sign_in(mso, live_server, "mso@riverside.example")
    mso.goto(f"{live_server.url}/organisations/R9R/")
    mso.get_by_role("link", name="Start an MSO handover").click()
    assert_accessible(mso, "the handover form")

    # A mistake first: no name for someone without an account; what was typed stays.
    mso.get_by_label("Successor's work email").fill("new.mso@riverside.example")
    mso.get_by_label("Outgoing MSO's last day").fill(today)
    mso.get_by_label("Successor's first day as MSO").fill(today)
    mso.get_by_role("button", name="Start the handover").click()
    assert "give their name to invite them" in mso.content()
    assert mso.get_by_label("Successor's work email").input_value() == "new.mso@riverside.example"
    assert_accessible(mso, "the handover form with an error")
    mso.get_by_label("Successor's full name").fill("Dr Nia Roberts")
    mso.get_by_role("button", name="Start the handover").click()
    mso.wait_for_url("**/organisations/handovers/*/")
    assert_accessible(mso, "the handover checklist")
    _tick_my_items(mso)

    director = new_page()
    sign_in(director, live_server, "director@riverside.example")
    director.goto(mso.url)
    _tick_my_items(director)

    mso.reload()
    mso.get_by_role("button", name="Complete the handover").click()
    assert "Handover complete" in mso.content()
    handover = Handover.objects.get(organisation__ods_code="R9R")
    assert handover.status == Handover.Status.COMPLETED
    current = RoleAssignment.objects.current().get(organisation__ods_code="R9R", role=Role.MSO)
    assert current.user.email == "new.mso@riverside.example"
    # The emails are in the outbox: the invitation to the successor and both director emails.
    keys = set(Notification.objects.filter(idempotency_key__contains=f":{handover.pk}").values_list("idempotency_key", flat=True))
    assert {f"handover-successor:{handover.pk}", f"handover-started-director:{handover.pk}",
            f"handover-completed-director:{handover.pk}"} <= keys

    # The leaver no longer holds a role at Riverside; the director sees the new MSO and the history.
    assert mso.goto(f"{live_server.url}/organisations/R9R/").status == 404
    director.goto(f"{live_server.url}/organisations/R9R/")
    holders = director.get_by_role("table").first.inner_text()
    assert "Dr Nia Roberts" in holders and "Dr Priya Shah" not in holders
    assert "Dr Priya Shah" in director.get_by_role("heading", name="Who has held each role").locator("xpath=../..").inner_text()
    assert_accessible(director, "the organisation page after the handover")
