"""Who may do what in the registry. Templates use these to hide controls; services call
them again so that a hand-made request is refused too."""

from .models import MSO_TEAM_ROLES, NATIONAL_ROLES, Organisation, Role
from .selectors import current_roles_of


def is_registry_admin(user) -> bool:
    return user.is_authenticated and any(a.role == Role.REGISTRY_ADMIN for a in current_roles_of(user))


def holds_role(user, organisation: Organisation, roles) -> bool:
    if not user.is_authenticated:
        return False
    return any(a.organisation_id == organisation.pk and a.role in roles for a in current_roles_of(user))


def can_view_organisation(user, organisation: Organisation) -> bool:
    return is_registry_admin(user) or any(a.organisation_id == organisation.pk for a in current_roles_of(user))


def can_manage_roles(user, organisation: Organisation) -> bool:
    """The registry administrator, or the organisation's MSO or deputy."""
    return is_registry_admin(user) or holds_role(user, organisation, {Role.MSO, Role.DEPUTY_MSO})


def can_assign_role(user, organisation: Organisation | None, role: str) -> bool:
    """National roles and the MSO post itself are assigned by the registry administrator;
    an MSO or deputy may add the other roles in their own organisation."""
    if role in NATIONAL_ROLES or role == Role.MSO:
        return is_registry_admin(user)
    return organisation is not None and can_manage_roles(user, organisation)


def is_mso_team(user, organisation: Organisation) -> bool:
    return holds_role(user, organisation, MSO_TEAM_ROLES)
