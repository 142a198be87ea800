"""The report's and the national view's charts are readable at every width: chart text at least 12px
from 320px to 1920px (the wide drawing from 576px up, the narrow one below), with no sideways scroll."""

import pytest
from django.urls import reverse

from board_reports import demo as board_reports_demo
from board_reports.models import BoardReport
from incidents import demo as incidents_demo
from mso_registry import demo as registry_demo
from tests.browser.test_demo_sign_in import PASSWORD, sign_in
from tests.browser.test_every_width import SMALLEST_CHART_TEXT, SMALLEST_TEXT_PX, WIDTHS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = [
    ("mso@riverside.example", "board-report",
     lambda: reverse("board_reports:report_detail", args=[BoardReport.objects.filter(organisation__ods_code="R9R",
                                                                                      status="draft").get().pk])),
    ("registry@medsafety.example", "national-spc", lambda: reverse("board_reports:national_spc")),
]


@pytest.mark.parametrize(("email", "name", "path"), PAGES, ids=[p[1] for p in PAGES])
def test_chart_text_is_readable_at_every_width(live_server, new_page, fast_passwords, email, name, path):
    registry_demo.seed(password=PASSWORD)
    incidents_demo.seed(size=40)
    board_reports_demo.seed()
    page = new_page()
    sign_in(page, live_server, email)
    page.goto(live_server.url + path())
    problems = []
    for width in sorted({*WIDTHS, 360, 576, 600}):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(50)
        text = page.evaluate(SMALLEST_CHART_TEXT)
        if text["smallest"] is not None and text["smallest"] < SMALLEST_TEXT_PX:
            problems.append(f"{name} at {width}px: chart text {text['which']!r} is {text['smallest']:.1f}px")
        if page.evaluate("document.documentElement.scrollWidth") > width:
            problems.append(f"{name} at {width}px scrolls sideways")
    assert not problems, "\n".join(problems)
