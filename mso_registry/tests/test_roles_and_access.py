from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from core.domain import DomainError, NotAllowed
from mso_registry import permissions
from mso_registry.models import Organisation, OrganisationType, Role, RoleAssignment
from mso_registry.services import organisation_create, role_assign, role_end
from mso_registry.validators import validate_ods_code
from notifications.models import Notification
from tests.factories import RoleAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "code, kind",
    [("RXF", "nhs_trust"), ("rxf", "nhs_trust"), ("QNQ", "icb"), ("A81001", "gp_practice"), ("FW844", "community_pharmacy")],
)
def test_valid_ods_codes_are_accepted(code, kind):
    validate_ods_code(code, kind)


@pytest.mark.parametrize(
    "code, kind, message",
    [
        ("R", "nhs_trust", "3 to 6 letters and digits"),
        ("RX-F", "nhs_trust", "3 to 6 letters and digits"),
        ("ABCDEFG", None, "3 to 6 letters and digits"),
        ("QNQ", "nhs_trust", "an NHS trust's code is R"),
        ("RXF", "icb", "an ICB's code is Q"),
        ("A8100", "gp_practice", "a letter and 5 digits"),
    ],
)
def test_wrong_ods_codes_say_what_is_wrong(code, kind, message):
    with pytest.raises(ValidationError, match=message):
        validate_ods_code(code, kind)


def test_duplicate_ods_code_is_refused_with_a_message(registry_admin, riverside):
    with pytest.raises(ValidationError) as error:
        organisation_create(
            actor=registry_admin, name="Another", ods_code="r9r", organisation_type=OrganisationType.NHS_TRUST,
            region="midlands",
        )
    assert "ods_code" in error.value.message_dict


def test_only_the_registry_admin_adds_organisations(riverside_mso):
    with pytest.raises(NotAllowed):
        organisation_create(
            actor=riverside_mso, name="X", ods_code="RZZ", organisation_type=OrganisationType.NHS_TRUST, region="london"
        )
    assert not Organisation.objects.filter(ods_code="RZZ").exists()


def test_the_database_keeps_one_current_mso_per_organisation(riverside_mso, riverside):
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(user=UserFactory(), organisation=riverside, role=Role.MSO)


def test_a_second_mso_is_refused_with_the_holders_name(registry_admin, riverside_mso, riverside):
    with pytest.raises(DomainError, match=f"already has a current MSO \\({riverside_mso}\\)"):
        role_assign(actor=registry_admin, user=UserFactory(), role=Role.MSO, organisation=riverside)


def test_after_the_mso_role_ends_a_successor_may_be_named(registry_admin, riverside_mso, riverside):
    current = RoleAssignment.objects.get(user=riverside_mso, role=Role.MSO)
    role_end(actor=registry_admin, assignment=current)
    successor = role_assign(actor=registry_admin, user=UserFactory(), role=Role.MSO, organisation=riverside)
    assert successor.is_current
    assert RoleAssignment.objects.filter(organisation=riverside, role=Role.MSO).count() == 2  # history kept


def test_role_assignment_emails_the_person_through_the_outbox(registry_admin, riverside):
    person = UserFactory(email="new.cso@riverside.example")
    assignment = role_assign(actor=registry_admin, user=person, role=Role.CSO, organisation=riverside)
    notification = Notification.objects.get(idempotency_key=f"role-assigned:{assignment.pk}")
    assert notification.recipient == "new.cso@riverside.example"
    assert "Clinical Safety Officer" in notification.subject


def test_a_role_cannot_start_in_the_future(registry_admin, riverside):
    with pytest.raises(DomainError):
        role_assign(
            actor=registry_admin, user=UserFactory(), role=Role.STAFF, organisation=riverside,
            start_date=timezone.localdate() + timedelta(days=1),
        )


def test_an_mso_may_add_staff_but_not_name_an_mso(riverside_mso, riverside, hillside):
    role_assign(actor=riverside_mso, user=UserFactory(), role=Role.STAFF, organisation=riverside)
    with pytest.raises(NotAllowed):
        role_assign(actor=riverside_mso, user=UserFactory(), role=Role.MSO, organisation=hillside)
    with pytest.raises(NotAllowed):
        role_assign(actor=riverside_mso, user=UserFactory(), role=Role.STAFF, organisation=hillside)


def test_staff_may_not_assign_roles(riverside_staff, riverside):
    assert not permissions.can_manage_roles(riverside_staff, riverside)
    with pytest.raises(NotAllowed):
        role_assign(actor=riverside_staff, user=UserFactory(), role=Role.STAFF, organisation=riverside)


def test_ended_roles_no_longer_grant_access(riverside, client):
    person = UserFactory()
    RoleAssignmentFactory(user=person, organisation=riverside, role=Role.STAFF, start_date=date(2024, 1, 1),
                          end_date=date(2024, 6, 1))
    client.force_login(person)
    response = client.get(reverse("mso_registry:organisation_detail", args=["R9R"]))
    assert response.status_code == 404


# --- views: who sees which organisation ------------------------------------------------------


def test_sign_in_is_required(client, riverside):
    response = client.get(reverse("mso_registry:organisation_detail", args=["R9R"]))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_own_organisation_page_shows_holders_and_history(client, riverside_mso, riverside_director):
    client.force_login(riverside_mso)
    response = client.get(reverse("mso_registry:organisation_detail", args=["R9R"]))
    assert response.status_code == 200
    # The page escapes names: Faker's include the odd O'Brien.
    assert escape(riverside_mso.full_name) in response.text
    assert escape(riverside_director.full_name) in response.text


def test_another_organisations_page_is_not_found(client, riverside_mso, hillside_mso):
    client.force_login(riverside_mso)
    assert client.get(reverse("mso_registry:organisation_detail", args=["R9H"])).status_code == 404
    listing = client.get(reverse("mso_registry:organisation_list"))
    assert "Hillside" not in listing.text


def test_registry_admin_sees_every_organisation(client, registry_admin, riverside, hillside):
    client.force_login(registry_admin)
    listing = client.get(reverse("mso_registry:organisation_list"))
    assert "Riverside" in listing.text and "Hillside" in listing.text


def test_staff_cannot_post_a_role_assignment(client, riverside_staff):
    client.force_login(riverside_staff)
    response = client.post(
        reverse("mso_registry:organisation_detail", args=["R9R"]),
        {"email": riverside_staff.email, "role": Role.SAFETY_TEAM, "start_date": "2026-01-01"},
    )
    assert response.status_code == 403
    assert not RoleAssignment.objects.filter(user=riverside_staff, role=Role.SAFETY_TEAM).exists()


def test_role_form_errors_keep_what_was_typed(client, riverside_mso):
    client.force_login(riverside_mso)
    response = client.post(
        reverse("mso_registry:organisation_detail", args=["R9R"]),
        {"email": "nobody@nowhere.example", "role": Role.SAFETY_TEAM, "start_date": "2026-01-01"},
    )
    assert response.status_code == 200
    assert "No active account has this email address" in response.text
    assert 'value="nobody@nowhere.example"' in response.text


def test_mso_adds_a_team_member_through_the_page(client, riverside_mso):
    colleague = UserFactory(email="pharmacist@riverside.example")
    client.force_login(riverside_mso)
    response = client.post(
        reverse("mso_registry:organisation_detail", args=["R9R"]),
        {"email": "Pharmacist@Riverside.example", "role": Role.SAFETY_TEAM, "start_date": "2026-01-01"},
    )
    assert response.status_code == 302
    assert RoleAssignment.objects.current().filter(user=colleague, role=Role.SAFETY_TEAM).exists()


def test_ending_a_role_of_another_organisation_is_not_found(client, riverside_mso, hillside_mso):
    hillside_assignment = RoleAssignment.objects.get(user=hillside_mso)
    client.force_login(riverside_mso)
    response = client.post(reverse("mso_registry:role_end", args=["R9H", hillside_assignment.pk]))
    assert response.status_code == 404
    hillside_assignment.refresh_from_db()
    assert hillside_assignment.end_date is None


def test_director_may_not_end_the_mso_role(client, riverside_director, riverside_mso):
    assignment = RoleAssignment.objects.get(user=riverside_mso)
    client.force_login(riverside_director)
    response = client.post(reverse("mso_registry:role_end", args=["R9R", assignment.pk]))
    assert response.status_code == 403
    assignment.refresh_from_db()
    assert assignment.end_date is None


def test_end_role_asks_first_and_only_the_confirmation_ends_it(client, riverside_mso, riverside_staff):
    assignment = RoleAssignment.objects.get(user=riverside_staff)
    url = reverse("mso_registry:role_end", args=["R9R", assignment.pk])
    client.force_login(riverside_mso)
    page = client.get(reverse("mso_registry:organisation_detail", args=["R9R"])).content.decode()
    assert f'href="{url}"' in page  # a link to the question, not a button that ends it

    question = client.get(url)
    assert question.status_code == 200
    assert f"End {riverside_staff}'s role as Staff (reporter)?" in question.content.decode()
    assignment.refresh_from_db()
    assert assignment.end_date is None

    # A POST without the confirmation (a button from an old page) is sent to the question.
    assert client.post(url).url == url
    assignment.refresh_from_db()
    assert assignment.end_date is None

    client.post(url, {"confirm": "end"})
    assignment.refresh_from_db()
    assert assignment.end_date is not None
