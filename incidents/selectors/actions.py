"""Actions, from their owner's side, and who an action may be given to."""

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from mso_registry.models import RoleAssignment

from .. import permissions
from ..models import IncidentAction


def action_owner_choices(organisation_id: int):
    """People who hold a current role in the organisation: the ones an action may be given to."""
    holders = RoleAssignment.objects.current().filter(organisation_id=organisation_id).values("user_id")
    return get_user_model().objects.filter(pk__in=holders, is_active=True).order_by("full_name", "email")


def actions_visible_to(user) -> QuerySet[IncidentAction]:
    """An action's owner sees it, whatever their role; the MSO team sees its organisation's.
    Anyone else's is not found."""
    if not user.is_authenticated:
        return IncidentAction.objects.none()
    return IncidentAction.objects.select_related("incident__organisation", "owner", "done_by", "created_by").filter(
        Q(owner=user) | Q(organisation_id__in=permissions.review_organisation_ids(user))
    )


def action_for_page(user, pk: int):
    """The action with its incident's medicines and error types, for incident_summary."""
    return actions_visible_to(user).filter(pk=pk).prefetch_related("incident__medicines", "incident__error_type_rows")


def my_open_actions(user, *, limit: int = 10) -> dict:
    """The user's open actions for the home page, soonest due first, and how many there are."""
    mine = IncidentAction.objects.filter(owner=user, done_at__isnull=True)
    if not mine.exists():
        return {"actions": [], "count": 0}
    actions = list(mine.select_related("incident__organisation").order_by("due_date", "pk")[:limit])
    return {"actions": actions, "count": len(actions) if len(actions) < limit else mine.count()}
