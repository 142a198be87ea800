"""Someone with no current role is told what they held and until when, or when their role starts."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from mso_registry.models import Role, RoleAssignment
from tests.factories import RoleAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_leaver_sees_the_role_they_held_and_until_when(client, riverside_mso, riverside):
    assignment = RoleAssignment.objects.get(user=riverside_mso)
    assignment.end_date = date(2026, 11, 30)
    assignment.save()
    client.force_login(riverside_mso)
    page = client.get("/").content.decode()
    assert "You do not hold a role in any organisation now" in page
    assert f"You were Medication Safety Officer at {riverside.name} from 1 April 2025 until 30 November 2026." in page
    assert "yet" not in page.split("You do not hold a role")[1][:20]


def test_a_successor_sees_when_their_role_starts(client, riverside):
    successor = UserFactory()
    start = timezone.localdate() + timedelta(days=10)
    RoleAssignmentFactory(user=successor, organisation=riverside, role=Role.MSO, start_date=start)
    client.force_login(successor)
    page = client.get("/").content.decode()
    assert f"Your role as Medication Safety Officer at {riverside.name} starts on {start:%-d %B %Y}." in page


def test_a_newcomer_is_told_how_to_get_a_role(client, db):
    client.force_login(UserFactory())
    assert "You do not hold a role in any organisation yet" in client.get("/").content.decode()
