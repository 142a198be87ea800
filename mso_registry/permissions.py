"""Who may do what in the registry. Templates use these to hide controls; services call
them again so that a hand-made request is refused too."""

from .models import MSO_TEAM_ROLES, NATIONAL_ROLES, RECORD_KEEPER_ROLES, Organisation, Role
from .selectors import current_roles_of


def is_registry_admin(user) -> bool:
    return user.is_authenticated and any(a.role == Role.REGISTRY_ADMIN for a in current_roles_of(user))


def holds_role(user, organisation: Organisation, roles) -> bool:
    if not user.is_authenticated:
        return False
    return any(a.organisation_id == organisation.pk and a.role in roles for a in current_roles_of(user))


def can_view_organisation(user, organisation: Organisation) -> bool:
    return is_registry_admin(user) or any(a.organisation_id == organisation.pk for a in current_roles_of(user))


def can_edit_organisation(user, organisation: Organisation) -> bool:
    """The registry administrator, or the organisation's MSO, deputy, board director or local administrator."""
    return is_registry_admin(user) or holds_role(user, organisation, RECORD_KEEPER_ROLES)


# Those who keep the record also keep its list of role holders.
can_manage_roles = can_edit_organisation


def can_assign_role(user, organisation: Organisation | None, role: str) -> bool:
    """National roles and the MSO post itself are assigned by the registry administrator (or by a
    completed handover); the organisation's record keepers add the other roles in their own organisation."""
    if role in NATIONAL_ROLES or role == Role.MSO:
        return is_registry_admin(user)
    return organisation is not None and can_manage_roles(user, organisation)


def can_edit_person(user, person) -> bool:
    """A person keeps their own professional details; so do the record keepers of an organisation
    they hold a role in, and the registry administrator."""
    if not user.is_authenticated:
        return False
    if user.pk == person.pk or is_registry_admin(user):
        return True
    their_organisations = {a.organisation_id for a in current_roles_of(person) if a.organisation_id}
    return any(a.organisation_id in their_organisations and a.role in RECORD_KEEPER_ROLES for a in current_roles_of(user))


def can_start_handover(user, organisation: Organisation) -> bool:
    """The outgoing MSO, the board director, or the registry administrator."""
    return is_registry_admin(user) or holds_role(user, organisation, {Role.MSO, Role.BOARD_DIRECTOR})


def can_run_handover(user, handover) -> bool:
    """Complete or cancel: the same people who may start one."""
    return can_start_handover(user, handover.organisation)


def can_tick_handover_item(user, item) -> bool:
    """An item's owner ticks it; so may anyone who runs the handover."""
    return user.is_authenticated and (item.owner_id == user.pk or can_run_handover(user, item.handover))


def can_view_handover(user, handover) -> bool:
    return can_view_organisation(user, handover.organisation) or user.pk in {handover.successor_id, handover.covering_deputy_id}


def is_mso_team(user, organisation: Organisation) -> bool:
    return holds_role(user, organisation, MSO_TEAM_ROLES)


# --- national communications ---------------------------------------------------------------------


def can_send_communications(user) -> bool:
    """Only the national registry administrator writes to every MSO."""
    return is_registry_admin(user)


def can_acknowledge_communication(user, recipient) -> bool:
    """The organisation's MSO or deputy answers for it; the safety team and the director only read."""
    return holds_role(user, recipient.organisation, {Role.MSO, Role.DEPUTY_MSO})


# --- the CSO register ----------------------------------------------------------------------------


def can_verify_cso_claims(user, person) -> bool:
    """The registry administrator, or a governance team member of an organisation where the person is
    a current CSO, verifies their registration and training; nobody verifies their own."""
    if not user.is_authenticated or user.pk == person.pk:
        return False
    if is_registry_admin(user):
        return True
    cso_at = {a.organisation_id for a in current_roles_of(person) if a.role == Role.CSO}
    return any(a.role == Role.GOVERNANCE and a.organisation_id in cso_at for a in current_roles_of(user))
