"""A member of staff reports a medication incident with the keyboard alone, in headless Chromium:
Tab to move, typing for text, dates and times, arrow keys within a group of radio buttons and in a
list, Space to tick, Enter to follow a link and to send. Never the mouse. Every element that Tab
reaches shows where the focus is (the yellow focus ring), and the report lands on its receipt.

Sign-in is done as in the other browser tests; everything from the home page on is keyboard."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import MedicationIncident
from mso_registry import demo

from .test_demo_sign_in import PASSWORD, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_TABS = 80  # more Tab presses than this to reach a field means it cannot practically be reached

# What has focus now, and whether it shows: a focus indicator is a visible outline (at least 2 px,
# not "none") or a box shadow.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
  const shadow = style.boxShadow && style.boxShadow !== "none";
  return {
    description: `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${el.name ? "[name=" + el.name + "]" : ""}`
      + (el.type === "radio" || el.type === "checkbox" ? `[value=${el.value}]` : ""),
    focusVisible: el.matches(":focus-visible"),
    indicator: outline || shadow,
    outline: `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`,
  };
}"""


class Keyboard:
    """Drives the page with keys only, checking the focus ring at every Tab stop."""

    def __init__(self, page):
        self.page = page
        self.stops = []  # every element Tab reached
        self.invisible = []  # those that showed no focus indicator

    def press(self, key):
        self.page.keyboard.press(key)

    def focused(self):
        return self.page.evaluate(FOCUSED)

    def focused_matches(self, selector: str) -> bool:
        return self.page.evaluate("(s) => !!document.activeElement && document.activeElement.matches(s)", selector)

    def tab_to(self, selector: str):
        """Press Tab until the element matching `selector` has focus."""
        for _ in range(MAX_TABS):
            self.press("Tab")
            focused = self.focused()
            if focused:
                self.stops.append(focused["description"])
                if not focused["indicator"]:
                    self.invisible.append(focused)
            if self.focused_matches(selector):
                return
        pytest.fail(f"{selector} was not reached after {MAX_TABS} presses of Tab; reached: {self.stops[-MAX_TABS:]}")

    def arrow_to(self, selector: str, key="ArrowDown", limit=12):
        """Within a radio group or a list, press an arrow key until `selector` has focus (or is chosen)."""
        for _ in range(limit):
            if self.focused_matches(selector):
                return
            self.press(key)
        pytest.fail(f"{selector} was not reached with {key}")

    def type(self, text: str):
        self.page.keyboard.type(text)


def _keystrokes_for(new_page, when) -> tuple[str, str]:
    """What to type into a date and a time field for `when`. The browser's own language decides the
    order of day and month and whether the time is 12-hour (headless Chromium is en-US whatever the
    page's locale), so it is found out on a scratch page, as a person sees it on screen."""
    probe = new_page()
    probe.set_content('<input id="d" type="date"><input id="t" type="time">')
    probe.focus("#d")
    probe.keyboard.type("01022003")
    day_first = probe.input_value("#d") == "2003-02-01"
    probe.focus("#t")
    probe.keyboard.type("0745")
    twelve_hour = probe.input_value("#t") == ""
    date_keys = when.strftime("%d%m%Y" if day_first else "%m%d%Y")
    time_keys = when.strftime("%I%M%p" if twelve_hour else "%H%M")
    return date_keys, time_keys


def test_an_incident_is_reported_with_the_keyboard_alone(live_server, new_page, fast_passwords):
    demo.seed(password=PASSWORD)
    when = (timezone.localtime() - timedelta(days=1)).replace(hour=7, minute=45)
    date_keys, time_keys = _keystrokes_for(new_page, when)
    page = new_page()
    sign_in(page, live_server, "staff@riverside.example")
    # Any pointer use from here on, on this page or the next, is counted and fails the test.
    pointer = []
    page.expose_function("pointerUsed", lambda kind: pointer.append(kind))
    listen = 'for (const t of ["pointerdown", "mousedown"]) document.addEventListener(t, e => window.pointerUsed(t), true);'
    page.add_init_script(listen)
    page.evaluate(listen)
    keys = Keyboard(page)

    # The first Tab reaches the skip link; Enter follows it.
    keys.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    assert keys.focused()["indicator"], "the skip link shows no focus"

    # From the home page to the report form: Tab to the link, Enter.
    keys.tab_to('a[href="/incidents/report/"]')
    keys.press("Enter")
    page.wait_for_url(f"{live_server.url}/incidents/report/")
    page.get_by_role("heading", level=1, name="Report a medication incident").wait_for()
    keys = Keyboard(page)  # a new page: its own list of tab stops

    keys.tab_to("#id_occurred_on")
    keys.type(date_keys)
    keys.tab_to("#id_occurred_time")
    keys.type(time_keys)
    keys.tab_to("#id_department")
    keys.type("Ward 7 (Acute Medicine)")

    # A group of radio buttons is one Tab stop; the arrow keys move within it and choose.
    keys.tab_to("input[name=stage]")
    keys.arrow_to("input[name=stage][value=administering]")
    keys.tab_to("input[name=error_types][value=overdose]")
    keys.press("Space")

    keys.tab_to("#id_medicines-0-name")
    keys.type("Insulin aspart")
    keys.tab_to("#id_medicines-0-route")
    keys.arrow_to("#id_medicines-0-route:has(option[value=subcutaneous]:checked)")
    keys.tab_to("#id_medicines-0-dose")
    keys.type("40 units instead of 4")

    keys.tab_to("input[name=physical_harm]")
    keys.arrow_to("input[name=physical_harm][value=severe]")
    keys.tab_to("input[name=psychological_harm]")
    if not keys.focused_matches("input[name=psychological_harm][value=none]:checked"):
        keys.press("Space")  # the first of a group with nothing chosen: Space chooses it
    keys.tab_to("#id_description")
    keys.type("Insulin 40 units given instead of 4: the U on the chart was read as a 0.")

    keys.tab_to("button[type=submit]")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Send the report"
    keys.press("Enter")

    page.wait_for_url("**/receipt/")
    reference = page.get_by_test_id("reference").inner_text().strip()
    assert reference.startswith(f"MI-{timezone.localdate().year}-")
    assert pointer == [], "the mouse was used"
    assert keys.invisible == [], f"focus not visible on: {keys.invisible}"

    incident = MedicationIncident.objects.get(reference=reference)
    assert incident.reporter.email == "staff@riverside.example"
    assert timezone.localtime(incident.occurred_at).strftime("%Y-%m-%d %H:%M") == f"{when:%Y-%m-%d} 07:45"
    assert (incident.department, incident.stage, incident.physical_harm, incident.psychological_harm) == (
        "Ward 7 (Acute Medicine)", "administering", "severe", "none",
    )
    assert list(incident.error_type_rows.values_list("error_type", flat=True)) == ["overdose"]
    medicine = incident.medicines.get()
    assert (medicine.name, medicine.route, medicine.dose, medicine.high_alert) == (
        "Insulin aspart", "subcutaneous", "40 units instead of 4", True,
    )
    assert len(keys.stops) > 20


def test_the_focus_ring_is_drawn_by_the_style_sheet(live_server, new_page, fast_passwords):
    """The rule itself: a keyboard focus on a link, a field and a button draws a 3 px yellow outline."""
    demo.seed(password=PASSWORD)
    page = new_page()
    sign_in(page, live_server, "staff@riverside.example")
    page.goto(f"{live_server.url}/incidents/report/")
    keys = Keyboard(page)
    for selector in ['a[href="/"]', "#id_department", "input[name=stage]", "button[type=submit]"]:
        keys.tab_to(selector)
        focused = keys.focused()
        assert focused["focusVisible"] and focused["indicator"], focused
        assert focused["outline"].startswith("solid 3px"), focused
    assert keys.invisible == []
