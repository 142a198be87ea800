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


def assert_accessible(page, what: str):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=AXE_OPTIONS)
    if results.violations_count:
        lines = [f"{results.violations_count} axe violation(s) on {what} ({page.url}):"]
        for violation in results.response["violations"]:
            lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}  {violation['helpUrl']}")
            for node in violation["nodes"]:
                lines.append(f"    at {', '.join(map(str, node['target']))}: {node['html'][:200]}")
                for check in node.get("any", []) + node.get("all", []) + node.get("none", []):
                    lines.append(f"      {check['message']}")
        pytest.fail("\n".join(lines), pytrace=False)


def sign_in(page, live_server, email: str):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


def test_sign_in_page_is_accessible(live_server, new_page):
    page = new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.get_by_role("heading", level=1).inner_text().strip().lower() == "sign in"
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
    assert page.get_by_role("heading", level=1).inner_text().strip() == "Organisations"
    assert_accessible(page, f"the organisation list seen by {email}")

    own_code = ods_code or "R9R"
    page.get_by_role("link", name=ORGANISATION_NAMES[own_code], exact=True).click()
    page.wait_for_url(f"{live_server.url}/organisations/{own_code}/")
    assert page.get_by_role("heading", level=1).inner_text().strip() == ORGANISATION_NAMES[own_code]
    assert page.get_by_role("table", name="People who hold a role now").get_by_text(full_name).count() or not ods_code
    assert_accessible(page, f"{own_code}'s page seen by {email}")

    if own_code != "R9R":
        # Someone from another trust cannot open Riverside's record.
        response = page.goto(f"{live_server.url}/organisations/R9R/")
        assert response.status == 404
        assert_accessible(page, f"the not-found page seen by {email}")


def test_phone_menu_opens_and_stays_accessible(live_server, new_page, fast_passwords):
    demo.seed(password=PASSWORD)
    page = new_page(PHONE)
    sign_in(page, live_server, "mso@riverside.example")
    toggle = page.get_by_role("button", name=re.compile("menu", re.I))
    organisation_link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Organisation", exact=True)
    assert toggle.is_visible()
    assert not organisation_link.is_visible()
    toggle.click()
    organisation_link.wait_for(state="visible")
    assert toggle.get_attribute("aria-expanded") == "true"
    assert_accessible(page, "the home page at phone width with the menu open")
    # Nothing is wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
