"""Every demo role's navigation fits every width from a phone to a wide desktop, in one row or
collapsed behind the menu button, with no sideways scroll; chart text stays readable on a phone.

Screenshots of the MSO, board director, registry administrator and CSO pages at 1024, 1280 and
360 pixels go to var/screenshots/width-*.png."""

from pathlib import Path

import pytest
from django.urls import reverse

from clinical_safety import demo as clinical_safety_demo
from clinical_safety.models import HealthITSystem
from incidents import demo as incidents_demo
from mso_registry import demo

from .test_demo_sign_in import PASSWORD, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [320, 768, 1024, 1280, 1920]
SCREENSHOT_WIDTHS = [1024, 1280, 360]
SCREENSHOTS = Path("var/screenshots")
SMALLEST_TEXT_PX = 12

# What the navigation looks like at this width: how many rows its items take, and whether it overflows.
NAV_LAYOUT = """() => {
  const nav = document.querySelector('.site-header .navbar');
  const toggler = nav.querySelector('.navbar-toggler');
  const collapsed = !!toggler && getComputedStyle(toggler).display !== 'none';
  const items = [...nav.querySelectorAll('#main-nav > .navbar-nav > .nav-item')]
    .filter((item) => item.getClientRects().length);
  const rows = new Set(items.map((item) => Math.round(item.getBoundingClientRect().top)));
  const header = document.querySelector('.site-header').getBoundingClientRect();
  const outside = [...nav.querySelectorAll('.navbar-brand, .navbar-toggler, #main-nav > .navbar-nav > .nav-item')]
    .filter((el) => el.getClientRects().length)
    .filter((el) => { const r = el.getBoundingClientRect();
      return r.right > innerWidth + 0.5 || r.bottom > header.bottom + 0.5 || r.left < -0.5; })
    .map((el) => el.textContent.trim().replace(/\\s+/g, ' '));
  return {collapsed, rows: rows.size, items: items.length, outside,
          scrollWidth: document.documentElement.scrollWidth, innerWidth};
}"""

# The smallest text in any chart picture on the page, in CSS pixels as drawn.
SMALLEST_CHART_TEXT = """() => {
  let smallest = null, which = '';
  for (const svg of document.querySelectorAll('main svg[role=img]')) {
    if (!svg.getClientRects().length) continue;  // not shown at this width
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    for (const text of svg.querySelectorAll('text')) {
      if (!text.getClientRects().length) continue;
      const px = parseFloat(getComputedStyle(text).fontSize) * scale;
      if (smallest === null || px < smallest) { smallest = px; which = text.textContent.trim(); }
    }
  }
  return {smallest, which};
}"""


def _seed():
    demo.seed(password=PASSWORD)
    incidents_demo.seed(size=12)
    clinical_safety_demo.seed(password=PASSWORD)


def _check_navigation(page, email: str, width: int) -> list[str]:
    page.set_viewport_size({"width": width, "height": 900})
    page.wait_for_timeout(50)  # a layout pass after the resize
    layout = page.evaluate(NAV_LAYOUT)
    problems = []
    if layout["scrollWidth"] > layout["innerWidth"]:
        problems.append(f"{email} at {width}px: the page scrolls {layout['scrollWidth'] - layout['innerWidth']}px sideways")
    if not layout["collapsed"] and layout["rows"] > 1:
        problems.append(f"{email} at {width}px: the navigation wraps onto {layout['rows']} rows")
    if layout["outside"]:
        problems.append(f"{email} at {width}px: outside the header bar: {layout['outside']}")
    return problems


@pytest.mark.parametrize("email", [person[0] for person in demo.PEOPLE])
def test_the_navigation_fits_every_width(live_server, new_page, fast_passwords, email):
    _seed()
    page = new_page()
    sign_in(page, live_server, email)
    problems = []
    for width in WIDTHS:
        problems += _check_navigation(page, email, width)
    assert not problems, "\n".join(problems)


CHART_PAGES = [
    ("mso@riverside.example", "mso-dashboard", lambda: reverse("incidents:dashboard")),
    ("director@riverside.example", "director-dashboard", lambda: reverse("incidents:dashboard")),
    ("registry@medsafety.example", "registry-national-dashboard", lambda: reverse("incidents:national_dashboard")),
    ("cso@riverside.example", "cso-hazard-log",
     lambda: reverse("clinical_safety:system_detail", args=[HealthITSystem.objects.order_by("pk").first().pk])),
]


@pytest.mark.parametrize(("email", "name", "path"), CHART_PAGES, ids=[page[1] for page in CHART_PAGES])
def test_chart_text_is_readable_at_every_width(live_server, new_page, fast_passwords, email, name, path):
    _seed()
    page = new_page()
    sign_in(page, live_server, email)
    page.goto(live_server.url + path())
    problems = []
    for width in sorted({*WIDTHS, *SCREENSHOT_WIDTHS}):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(50)
        text = page.evaluate(SMALLEST_CHART_TEXT)
        if text["smallest"] is not None and text["smallest"] < SMALLEST_TEXT_PX:
            problems.append(f"{name} at {width}px: chart text {text['which']!r} is {text['smallest']:.1f}px")
        problems += _check_navigation(page, email, width)
        if width in SCREENSHOT_WIDTHS:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"width-{name}-{width}.png"), full_page=True)
    assert not problems, "\n".join(problems)
