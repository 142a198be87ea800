"""Issue 15, point 6 in headless Chromium, on the demo data, with screenshots in
var/screenshots/cso-*.png and axe-core on each page.

Riverside's demo CSO is verified, so able to sign. They change their registration number themselves:
the claim re-opens, the person page and the register say who must verify, and issuing the hazard log
is refused with that reason. Riverside's governance team verifies the new number from the CSO register;
the CSO is able to sign again and issues the hazard log."""

import re
from pathlib import Path

import pytest

from clinical_safety import demo as clinical_safety_demo
from clinical_safety.models import HealthITSystem
from mso_registry import demo
from mso_registry.models import ProfessionalDetails
from tests.browser.test_demo_sign_in import PASSWORD, assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path("var/screenshots")


def _shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"cso-{name}.png"), full_page=True)


def _text(locator) -> str:
    return re.sub(r"\s+", " ", locator.inner_text())


def test_a_cso_changing_their_number_needs_verifying_again_before_signing(live_server, new_page, fast_passwords):
    demo.seed(password=PASSWORD)
    clinical_safety_demo.seed(password=PASSWORD)
    details = ProfessionalDetails.objects.get(user__email="cso@riverside.example")
    assert details.registration_verified and details.registration_verified_by.email == "governance@riverside.example"
    system = HealthITSystem.objects.get(organisation__ods_code="R9R")

    cso = new_page()
    sign_in(cso, live_server, "cso@riverside.example")
    cso.goto(f"{live_server.url}/organisations/cso-register/")
    row = cso.locator("tr", has_text="Tom Fletcher")
    assert "Verified by Grace Adeyemi" in _text(row) and "Able to sign" in _text(row)
    assert row.get_by_role("button").count() == 0  # nothing for the CSO to verify about themselves
    _shot(cso, "register-verified")

    # The CSO records a new number themselves: a claim again.
    cso.goto(f"{live_server.url}/organisations/people/{details.user_id}/")
    cso.get_by_label("Registration number").fill("2079999")
    cso.get_by_role("button", name="Save details").click()
    status = _text(cso.get_by_role("status").filter(has_text="able to sign"))
    assert "Not yet able to sign" in status
    assert "(General Pharmaceutical Council (GPhC) 2079999) is not yet verified" in status
    assert "the national registry administrator or the governance team of Riverside" in status
    assert_accessible(cso, "the person page with an unverified registration")
    _shot(cso, "person-claim")

    cso.goto(f"{live_server.url}/clinical-safety/systems/{system.pk}/hazard-log/issue/")
    refusal = _text(cso.get_by_role("alert"))
    assert "You cannot sign as Clinical Safety Officer yet" in refusal and "2079999) is not yet verified" in refusal
    assert cso.get_by_role("button", name="Sign and issue the hazard log").count() == 0
    assert_accessible(cso, "the hazard log issue page, refused")
    _shot(cso, "issue-refused")

    # Governance verifies it from the register.
    governance = new_page()
    sign_in(governance, live_server, "governance@riverside.example")
    governance.get_by_role("link", name="Clinical safety", exact=True).click()
    governance.get_by_role("link", name="CSO register").click()
    row = governance.locator("tr", has_text="Tom Fletcher")
    assert "Claimed, not verified" in _text(row) and "Not yet able to sign" in _text(row)
    assert_accessible(governance, "the CSO register with a claim to verify")
    _shot(governance, "register-to-verify")
    row.get_by_role("button", name=re.compile("^Verify registration")).click()
    assert "registration (General Pharmaceutical Council (GPhC) 2079999) is verified, by you, today." in _text(
        governance.locator("main")
    )
    row = governance.locator("tr", has_text="Tom Fletcher")
    assert "Verified by Grace Adeyemi" in _text(row) and "Able to sign" in _text(row)
    assert_accessible(governance, "the CSO register after verifying")
    _shot(governance, "register-verified-again")

    # The CSO can sign again.
    cso.reload()
    cso.get_by_label("What changed in this version").fill("Registration re-verified; no hazard changes.")
    cso.get_by_label("I have reviewed the hazard log and sign this version as Clinical Safety Officer").check()
    cso.get_by_role("button", name="Sign and issue the hazard log").click()
    assert "is issued and signed" in _text(cso.locator("main"))
    _shot(cso, "issued")
