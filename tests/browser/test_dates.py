"""In Chromium: a hazard's edit page shows its review date in the date box, and saving it
unchanged keeps the date (it used to show an empty box and erase it)."""

from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse

from clinical_safety.models import Hazard
from clinical_safety.tests.conftest import cso, epma, hazard  # noqa: F401 - pytest fixtures
from clinical_safety.tests.test_browser_journey import sign_in

from .conftest import browser, fast_passwords, new_page  # noqa: F401 - pytest fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_hazard_edit_page_shows_and_keeps_the_review_date(fast_passwords, live_server, new_page, hazard, cso):  # noqa: F811
    Hazard.objects.filter(pk=hazard.pk).update(review_date=date(2027, 6, 1))
    page = new_page()
    sign_in(page, live_server, cso.email)
    page.goto(live_server.url + reverse("clinical_safety:hazard_edit", args=[hazard.pk]))
    review_date = page.get_by_label("Review date")
    assert review_date.input_value() == "2027-06-01"
    Path("var/screenshots").mkdir(parents=True, exist_ok=True)
    review_date.scroll_into_view_if_needed()
    page.screenshot(path="var/screenshots/hazard-edit-review-date.png")

    page.get_by_role("button", name="Save").click()
    page.get_by_text(f"{hazard.reference} is saved.").wait_for()
    hazard.refresh_from_db()
    assert hazard.review_date == date(2027, 6, 1)
