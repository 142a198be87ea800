"""The main navigation is drawn once per process for each set of items and place (config/context_processors.py,
partials/nav_items.html): what a reader sees must still be what their roles open, and where they are."""

import re

import pytest
from django.core.cache import caches
from django.urls import reverse

from incidents import services
from incidents.tests.conftest import report_values
from mso_registry.models import Role
from tests.factories import RoleAssignmentFactory

pytestmark = pytest.mark.django_db


def _navigation(client, path) -> str:
    html = client.get(path).content.decode()
    return html[html.index('<ul class="navbar-nav me-auto">'):html.index('<ul class="navbar-nav">')]


def _current(nav: str) -> list[str]:
    return re.findall(r'<a class="[^"]*" href="([^"]+)" aria-current="page">', nav)


def test_the_current_page_is_marked_wherever_the_drawing_comes_from(client, riverside, riverside_mso, riverside_staff):
    client.force_login(riverside_mso)
    queue, dashboard = reverse("incidents:review_queue"), reverse("incidents:dashboard")
    first = _navigation(client, queue)
    assert _current(first) == [queue] and "nav-section-current" in first
    assert _current(_navigation(client, dashboard)) == [dashboard]
    incident, _ = services.incident_report(reporter=riverside_staff, organisation=riverside, **report_values())
    incident_page = _navigation(client, reverse("incidents:incident_detail", args=[incident.reference]))
    assert _current(incident_page) == [] and "nav-section-current" in incident_page  # under Incidents
    elsewhere = _navigation(client, reverse("mso_registry:person_detail", args=[riverside_mso.pk]))
    assert _current(elsewhere) == [] and "nav-section-current" not in elsewhere
    # Kept, and drawn afresh, the same.
    assert _navigation(client, queue) == first
    caches["fragments"].clear()
    assert _navigation(client, queue) == first


def test_each_reader_sees_the_items_of_their_own_roles(client, riverside, riverside_staff, riverside_cso):
    client.force_login(riverside_staff)
    staff = _navigation(client, reverse("home"))
    assert "Report an incident" in staff and "Review queue" not in staff and "Clinical safety" not in staff
    client.force_login(riverside_cso)
    cso = _navigation(client, reverse("home"))
    assert "Clinical safety" in cso and "Report an incident" in cso and "Review queue" not in cso
    # A role given is in the next page's navigation.
    RoleAssignmentFactory(user=riverside_staff, organisation=riverside, role=Role.SAFETY_TEAM)
    client.force_login(riverside_staff)
    assert "Review queue" in _navigation(client, reverse("home"))


def test_the_registry_administrator_sees_the_national_items(client, registry_admin):
    client.force_login(registry_admin)
    nav = _navigation(client, reverse("mso_registry:organisation_list"))
    assert "National registry" in nav and "Change requests" in nav and "Report an incident" not in nav
    assert _current(nav) == [reverse("mso_registry:organisation_list")]
