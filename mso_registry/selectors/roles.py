"""Who holds which role where, read once per request; the organisations a reader may see."""

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from ..models import MSO_TEAM_ROLES, Organisation, Role, RoleAssignment


# How every page, export and email says the post is empty (incidents uses the same words).
NO_BOARD_DIRECTOR = "No board director for medication safety named"


def current_roles_of(user) -> list[RoleAssignment]:
    """The user's current role assignments, read once per request and kept on the user object."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_current_roles", None)
    if cached is None:
        # Sorted here in the model's order (organisation name, role, newest first; no organisation last, as
        # PostgreSQL sorts a NULL): compiling the ORDER BY on every request cost more than the query.
        cached = sorted(
            RoleAssignment.objects.current().filter(user=user).select_related("organisation").order_by(),
            key=lambda a: (a.organisation is None, a.organisation.name if a.organisation else "", a.role,
                           -a.start_date.toordinal()),
        )
        user._current_roles = cached
    return cached


def roles_not_current_of(user) -> dict:
    """For someone with no current role: what they held and until when, and what starts later."""
    assignments = RoleAssignment.objects.filter(user=user).select_related("organisation")
    return {
        "ended": list(assignments.filter(end_date__isnull=False).order_by("-end_date", "-start_date")[:10]),
        "upcoming": list(assignments.filter(end_date__isnull=True, start_date__gt=timezone.localdate()).order_by("start_date")),
    }


def forget_current_roles(user) -> None:
    user.__dict__.pop("_current_roles", None)


def organisations_visible_to(user) -> QuerySet[Organisation]:
    """The registry administrator sees every organisation; anyone else the ones they hold a role in."""
    organisations = Organisation.objects.select_related("icb")
    if any(a.role == Role.REGISTRY_ADMIN for a in current_roles_of(user)):
        return organisations
    return organisations.filter(pk__in={a.organisation_id for a in current_roles_of(user) if a.organisation_id})


def organisation_current_role_holders(organisation: Organisation) -> list[RoleAssignment]:
    return list(
        RoleAssignment.objects.current()
        .filter(organisation=organisation)
        .select_related("user")
        .order_by("role", "user__full_name")
    )


def organisation_role_history(organisation: Organisation) -> QuerySet[RoleAssignment]:
    """Every assignment there has been, current and ended, newest first within each role."""
    return RoleAssignment.objects.filter(organisation=organisation).select_related("user").order_by("role", "-start_date")


def organisations_with_current_mso() -> QuerySet[Organisation]:
    """Every organisation annotated with whether it has a current MSO (the directory prefetches the MSO and
    board director itself: selectors.directory_rows)."""
    current_mso = RoleAssignment.objects.current().filter(role=Role.MSO)
    return Organisation.objects.select_related("icb").annotate(
        has_mso=Exists(current_mso.filter(organisation=OuterRef("pk")))
    )


def navigation_for(user) -> dict:
    """What base.html shows in the navigation for this user's roles."""
    roles = current_roles_of(user)
    return {
        "organisations": sorted({a.organisation for a in roles if a.organisation_id}, key=lambda o: o.name),
        "is_registry_admin": any(a.role == Role.REGISTRY_ADMIN for a in roles),
        "is_mso_team": any(a.role in MSO_TEAM_ROLES for a in roles),
        "is_admin_site_user": user.is_staff,
        # Those who make API clients (api.permissions.can_manage_api_clients), for the account menu's link.
        "manages_api_clients": any(a.role in (Role.LOCAL_ADMIN, Role.REGISTRY_ADMIN) for a in roles),
    }
