"""Issue 19 in headless Chromium on the demo: what LFPSE received. The Riverside MSO sees the held and
accepted incidents and the count on the home page, and filters the queue on held; Hillside's MSO
reads LFPSE's rejection; the registry administrator sees each organisation's rate. Each page passes
axe; screenshots go to var/screenshots/lfpse-*.png."""

from pathlib import Path

import pytest

from incidents.lfpse import demo as lfpse_demo
from incidents.lfpse.models import LfpseRecord
from mso_registry import demo
from tests.browser.test_demo_sign_in import PASSWORD, assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("var/screenshots")


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"lfpse-{name}.png"), full_page=True)


def reference_of(story: int) -> str:
    description = lfpse_demo.STORIES[story][3]["description"]
    return LfpseRecord.objects.select_related("incident").get(incident__description=description).incident.reference


def test_what_lfpse_received_on_every_page(live_server, new_page, fast_passwords, lfpse_standin):
    lfpse_standin.app.unknown_ods = {"R9H"}
    demo.seed(password=PASSWORD)
    assert lfpse_demo.seed() == 3
    accepted, rejected, held = reference_of(0), reference_of(1), reference_of(2)

    mso = new_page()
    sign_in(mso, live_server, "mso@riverside.example")
    notice = mso.locator(".alert", has_text="Not received by LFPSE")
    assert "1 held" in notice.inner_text()
    assert_accessible(mso, "the MSO's home page with LFPSE counts")
    shot(mso, "home")

    mso.goto(f"{live_server.url}/incidents/{held}/")
    card = mso.locator("section", has=mso.get_by_role("heading", name="National reporting (LFPSE)"))
    assert "Held: cannot be sent to LFPSE." in card.inner_text()
    assert "No LFPSE code for stage “Transcribing”" in card.inner_text()
    assert_accessible(mso, "a held incident")
    card.scroll_into_view_if_needed()
    shot(mso, "held")

    mso.goto(f"{live_server.url}/incidents/{accepted}/")
    text = mso.locator("section", has=mso.get_by_role("heading", name="National reporting (LFPSE)")).inner_text()
    assert "Accepted by LFPSE" in text and LfpseRecord.objects.get(incident__reference=accepted).lfpse_id in text
    assert_accessible(mso, "an accepted incident")
    shot(mso, "accepted")

    mso.goto(f"{live_server.url}/incidents/review/?lfpse=held")
    rows = mso.locator("table tbody tr")
    assert rows.count() == 1 and held in rows.first.inner_text()
    assert_accessible(mso, "the review queue filtered on held")
    shot(mso, "queue-held")

    hillside = new_page()
    sign_in(hillside, live_server, "mso@hillside.example")
    hillside.goto(f"{live_server.url}/incidents/{rejected}/")
    text = hillside.locator("section", has=hillside.get_by_role("heading", name="National reporting (LFPSE)")).inner_text()
    assert "Rejected by LFPSE" in text and "ODS code R9H is not in ods-codes-5" in text
    assert_accessible(hillside, "a rejected incident")
    shot(hillside, "rejected")

    registry = new_page()
    sign_in(registry, live_server, "registry@medsafety.example")
    registry.goto(f"{live_server.url}/lfpse/rates/")
    table = registry.get_by_role("table").inner_text()
    assert "Hillside" in table and "0%" in table and "Riverside" in table
    assert_accessible(registry, "the LFPSE rates page")
    shot(registry, "rates")
