"""Every demo account signs in through the real sign-in page in headless Chromium, sees its
own name and role on the home page, and every page it reaches passes axe-core (WCAG 2.2 AA)."""

import re

import pytest

from mso_registry import demo
from mso_registry.models import Role

from .conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "browser-test-password"
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
    "resultTypes": ["violations"],
}
ORGANISATION_NAMES = {code: name for code, name, *_ in demo.ORGANISATIONS}
# (email, full name, ODS code or None, role) for each of the seven demo accounts.
ACCOUNTS = [pytest.param(*person, id=person[0]) for person in demo.PEOPLE]


def axe_violations(page, what: str) -> str:
    """axe-core's WCAG 2.2 AA violations on the page as it is now, described; "" when there are none."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=AXE_OPTIONS)
    if not results.violations_count:
        return ""
    lines = [f"{results.violations_count} axe violation(s) on {what} ({page.url}):"]
    for violation in results.response["violations"]:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}  {violation['helpUrl']}")
        for node in violation["nodes"]:
            lines.append(f"    at {', '.join(map(str, node['target']))}: {node['html'][:200]}")
            for check in node.get("any", []) + node.get("all", []) + node.get("none", []):
                lines.append(f"      {check['message']}")
    return "\n".join(lines)


def assert_accessible(page, what: str):
    if problems := axe_violations(page, what):
        pytest.fail(problems, pytrace=False)


def sign_in(page, live_server, email: str):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


def test_sign_in_page_is_accessible(live_server, new_page):
    page = new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.get_by_role("heading", level=1).inner_text().strip().lower().startswith("sign in")
    assert_accessible(page, "the sign-in page")


def test_wrong_password_is_reported_accessibly(live_server, new_page, fast_passwords):
    demo.seed(password=PASSWORD)
    page = new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("staff@riverside.example")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert page.url.endswith("/accounts/login/")
    assert page.get_by_role("alert").is_visible()
    assert_accessible(page, "the sign-in page showing an error")


@pytest.mark.parametrize(("email", "full_name", "ods_code", "role"), ACCOUNTS)
def test_demo_account_signs_in_and_its_pages_are_accessible(
    live_server, new_page, fast_passwords, email, full_name, ods_code, role
):
    demo.seed(password=PASSWORD)
    page = new_page()
    sign_in(page, live_server, email)

    # The home page greets this person by name and shows the role they hold.
    main = page.get_by_role("main")
    assert full_name in page.get_by_role("heading", level=1).inner_text()
    if ods_code:
        card = main.get_by_role("region", name=ORGANISATION_NAMES[ods_code])
        assert Role(role).label in card.inner_text()
    else:
        assert Role(role).label in main.inner_text()
    assert_accessible(page, f"the home page of {email}")

    # The organisation pages, reached by the navigation as a person would.
    nav_label = "National registry" if role == Role.REGISTRY_ADMIN else "Organisation"
    page.get_by_role("navigation", name="Main").get_by_role("link", name=nav_label, exact=True).click()
    page.wait_for_url(f"{live_server.url}/organisations/")
    assert page.get_by_role("heading", level=1).inner_text().strip()  # "Organisations", or the national directory
    assert_accessible(page, f"the organisation list seen by {email}")

    own_code = ods_code or "R9R"
    page.get_by_role("link", name=ORGANISATION_NAMES[own_code], exact=True).click()
    page.wait_for_url(f"{live_server.url}/organisations/{own_code}/")
    assert page.get_by_role("heading", level=1).inner_text().strip() == ORGANISATION_NAMES[own_code]
    if ods_code:  # they are listed among the organisation's role holders
        assert page.get_by_role("table", name="People who hold a role now").get_by_text(full_name).count()
    assert_accessible(page, f"{own_code}'s page seen by {email}")

    if own_code != "R9R":
        # Someone from another trust cannot open Riverside's record.
        response = page.goto(f"{live_server.url}/organisations/R9R/")
        assert response.status == 404
        assert_accessible(page, f"the not-found page seen by {email}")


def assert_fits(page, what: str, width: int):
    overflow = page.evaluate("document.documentElement.scrollWidth") - width
    assert overflow <= 0, f"{what} is {overflow}px wider than a {width}px phone screen"


@pytest.mark.parametrize(
    ("email", "nav_label"),
    [("mso@riverside.example", "Organisation"), ("registry@medsafety.example", "National registry")],
)
def test_phone_menu_opens_and_pages_fit_and_stay_accessible(live_server, new_page, fast_passwords, email, nav_label):
    demo.seed(password=PASSWORD)
    page = new_page(PHONE)
    sign_in(page, live_server, email)
    toggle = page.get_by_role("button", name=re.compile("menu", re.I))
    nav_link = page.get_by_role("navigation", name="Main").get_by_role("link", name=nav_label, exact=True)
    assert toggle.is_visible()
    assert not nav_link.is_visible()
    toggle.click()
    page.locator("#main-nav.collapse.show").wait_for()  # opened, not still opening
    nav_link.wait_for(state="visible")
    assert toggle.get_attribute("aria-expanded") == "true"
    account = page.get_by_role("button", name=re.compile("Your account"))
    account.click()
    page.get_by_role("button", name="Sign out").wait_for(state="visible")
    assert_accessible(page, f"the home page at phone width with the menus open ({email})")
    assert_fits(page, "the home page", PHONE["width"])

    nav_link.click()
    page.wait_for_url(f"{live_server.url}/organisations/")
    assert_accessible(page, f"the organisation list at phone width ({email})")
    assert_fits(page, "the organisation list", PHONE["width"])

    page.get_by_role("link", name=ORGANISATION_NAMES["R9R"], exact=True).click()
    page.wait_for_url(f"{live_server.url}/organisations/R9R/")
    assert_accessible(page, f"R9R's page at phone width ({email})")
    assert_fits(page, "R9R's page", PHONE["width"])
