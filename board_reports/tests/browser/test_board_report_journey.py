"""The monthly report's journey in headless Chromium: the MSO writes the narrative and issues the
report; the board director receives the email, follows its link and acknowledges; the report is
frozen afterwards with its hash shown. axe-core checks each page (WCAG 2.2 AA); screenshots go to
var/screenshots/board-report-*.png and the PDF to var/screenshots/board-report.pdf."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from board_reports import demo as board_reports_demo
from board_reports.models import BoardReport, BoardReportStatus
from incidents import demo as incidents_demo
from mso_registry import demo as registry_demo
from notifications.models import Notification
from tests.browser.conftest import PHONE
from tests.browser.test_demo_sign_in import PASSWORD, assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path("var/screenshots")
NARRATIVE = "Reporting has shifted upwards since the campaign: a healthier reporting culture. Harm is stable."


def test_mso_issues_director_acknowledges_and_the_report_is_frozen(live_server, new_page):
    registry_demo.seed(password=PASSWORD)
    incidents_demo.seed(size=300)
    board_reports_demo.seed()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    report = BoardReport.objects.filter(organisation__ods_code="R9R", status=BoardReportStatus.DRAFT).get()

    mso = new_page()
    sign_in(mso, live_server, "mso@riverside.example")
    mso.goto(f"{live_server.url}/board-reports/")
    assert_accessible(mso, "the list of monthly reports")
    mso.get_by_role("link", name=f"{report.month:%B %Y}").first.click()
    mso.wait_for_url(f"**/board-reports/{report.pk}/")
    mso.screenshot(path=str(SCREENSHOTS / "board-report-draft.png"), full_page=True)
    readings = mso.locator(".xmr-reading").all_inner_texts()
    assert "Reports were above the mean" in readings[0], readings  # the demo's shift, read in plain English
    assert_accessible(mso, "the draft report")

    phone = new_page(viewport=PHONE)
    sign_in(phone, live_server, "mso@riverside.example")
    phone.goto(f"{live_server.url}/board-reports/{report.pk}/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scroll
    phone.screenshot(path=str(SCREENSHOTS / "board-report-phone.png"), full_page=True)
    assert_accessible(phone, "the draft report on a phone")

    mso.get_by_label("Your narrative for the board").fill(NARRATIVE)
    mso.get_by_role("button", name="Issue to the board director").click()
    mso.wait_for_load_state()
    assert "Emailed to the board director (director@riverside.example)" in mso.content()
    report.refresh_from_db()
    issued_hash, issued_content = report.content_hash, report.content
    assert report.status == BoardReportStatus.ISSUED and len(issued_hash) == 64
    assert mso.locator("code.content-hash").inner_text() == issued_hash
    assert mso.get_by_label("Your narrative for the board").count() == 0  # frozen: no form any more
    mso.screenshot(path=str(SCREENSHOTS / "board-report-issued.png"), full_page=True)
    assert_accessible(mso, "the issued report")

    # The director's email: one outbox row, sent, whose link opens the report.
    [email] = Notification.objects.filter(idempotency_key__startswith=f"board-report:{report.pk}:issued:")
    assert email.recipient == "director@riverside.example" and email.status == "sent"
    director = new_page()
    sign_in(director, live_server, "director@riverside.example")
    director.goto(live_server.url + urlsplit(email.context["url"]).path)
    assert NARRATIVE in director.content()
    director.get_by_label("Your comment (optional)").fill("Noted; to the Quality Committee.")
    director.get_by_role("button", name="Acknowledge the report").click()
    director.wait_for_load_state()
    assert "Acknowledged; the MSO team has been told." in director.content()
    assert "Acknowledged by" in director.locator("#acknowledged-line").inner_text()
    director.screenshot(path=str(SCREENSHOTS / "board-report-acknowledged.png"), full_page=True)
    assert_accessible(director, "the acknowledged report")

    with director.expect_download() as download:
        director.get_by_role("link", name="Download as PDF").click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    (SCREENSHOTS / "board-report.pdf").write_bytes(pdf)

    # Frozen: after acknowledgement the MSO sees the same hash and narrative and no form to change them
    # (a hand-made POST is refused by the service: board_reports/tests/test_views.py).
    mso.reload()
    assert mso.get_by_label("Your narrative for the board").count() == 0
    assert mso.locator("code.content-hash").inner_text() == issued_hash
    assert NARRATIVE in mso.content()
    report.refresh_from_db()
    assert (report.content_hash, report.content, report.narrative) == (issued_hash, issued_content, NARRATIVE)
    assert report.status == BoardReportStatus.ACKNOWLEDGED


def test_registry_administrator_reads_the_national_spc(live_server, new_page):
    registry_demo.seed(password=PASSWORD)
    incidents_demo.seed(size=300)
    board_reports_demo.seed()  # Riverside's older year too, and the summary refreshed
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page()
    sign_in(page, live_server, "registry@medsafety.example")
    page.goto(f"{live_server.url}/board-reports/national/")
    assert page.get_by_role("heading", name="England", exact=True).count() == 1
    assert page.get_by_role("heading", name="North East and Yorkshire", exact=True).count() == 1
    assert "Reports in England" in page.locator(".xmr-reading").first.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "board-report-national.png"), full_page=True)
    assert_accessible(page, "the national SPC view")
