"""Change-of-details requests, and the people whose details a reader may see."""

from django.contrib.auth import get_user_model
from django.db.models import Q

from ..models import ChangeOfDetailsRequest, ProfessionalDetails, RoleAssignment
from .roles import organisations_visible_to


def change_requests_for_registry(status: str | None = None):
    requests = ChangeOfDetailsRequest.objects.select_related("organisation", "requested_by", "decided_by", "handover")
    return requests.filter(status=status) if status else requests


def change_requests_visible_to(user):
    """Requests of the organisations the user may see: another organisation's is not found, not refused."""
    return ChangeOfDetailsRequest.objects.filter(organisation__in=organisations_visible_to(user))


def people_visible_to(user):
    """People whose details the reader may see: themselves, and anyone who holds or held a role in an
    organisation the reader may see."""
    organisations = organisations_visible_to(user)
    return get_user_model().objects.filter(
        Q(pk=user.pk) | Q(pk__in=RoleAssignment.objects.filter(organisation__in=organisations).values("user"))
    )


def professions_of(user_ids) -> dict:
    """{user id: ProfessionalDetails} for the role-holder tables."""
    return {d.user_id: d for d in ProfessionalDetails.objects.filter(user_id__in=user_ids)}
