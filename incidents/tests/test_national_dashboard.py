"""The national dashboard says which period its figures cover, as the calendar has it."""

from datetime import date

import pytest
from django.urls import reverse

from incidents.selectors import dashboards

pytestmark = pytest.mark.django_db


def test_the_period_is_named_by_its_first_and_last_day(client, registry_admin, monkeypatch):
    monkeypatch.setattr(dashboards.timezone, "localdate", lambda *args, **kwargs: date(2026, 12, 1))
    client.force_login(registry_admin)
    page = client.get(reverse("incidents:national_dashboard")).content.decode()
    assert "reports made from 1 January 2026 to today, 1 December 2026 (11 full months and December so far)" in page
    assert "last 12 months" not in page
