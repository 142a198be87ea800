"""An organisation's history can be narrowed to one kind of change."""

import pytest
from django.urls import reverse

from mso_registry.models import Role
from mso_registry.services import organisation_update, role_assign
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_history_is_filtered_by_kind(client, riverside, riverside_mso):
    role_assign(actor=riverside_mso, user=UserFactory(), role=Role.STAFF, organisation=riverside)
    organisation_update(actor=riverside_mso, organisation=riverside, generic_mso_email="pharmacy.safety@nhs.example")
    client.force_login(riverside_mso)
    url = reverse("mso_registry:organisation_detail", args=[riverside.ods_code])

    every = {event.action for event in client.get(url).context["history"]}
    assert {"role.assigned", "organisation.updated", "change_request.created"} <= every

    roles = client.get(url, {"history": "roles"})
    assert {event.action for event in roles.context["history"]} == {"role.assigned"}
    assert '<option value="roles" selected>' in roles.content.decode()
    record = {event.action for event in client.get(url, {"history": "record"}).context["history"]}
    assert record == {"organisation.updated", "change_request.created"}
    # An unknown kind shows everything rather than failing.
    assert {event.action for event in client.get(url, {"history": "nonsense"}).context["history"]} == every
