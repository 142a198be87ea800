"""Who may do what with medication incidents. Templates use these to hide controls; services
call them again so that a hand-made request is refused too."""

from mso_registry.models import MSO_TEAM_ROLES, Role
from mso_registry.permissions import holds_role
from mso_registry.selectors import current_roles_of

from .models import MSO_AND_DEPUTY, Transition

# Anyone who works for the organisation may report; national roles have no organisation.
REPORTING_ROLES = frozenset(Role) - {Role.REGISTRY_ADMIN}


def organisations_user_reports_for(user) -> list:
    orgs = {a.organisation_id: a.organisation for a in current_roles_of(user) if a.organisation_id}
    return sorted(orgs.values(), key=lambda o: o.name)


def can_report(user, organisation) -> bool:
    return holds_role(user, organisation, REPORTING_ROLES)


def can_review(user, incident) -> bool:
    """The MSO, deputy and safety team review their organisation's incidents."""
    return holds_role(user, incident.organisation, MSO_TEAM_ROLES)


def can_make_transition(user, incident, transition: Transition) -> bool:
    return holds_role(user, incident.organisation, transition.roles)


def can_escalate(user, incident) -> bool:
    return holds_role(user, incident.organisation, MSO_AND_DEPUTY)


def can_acknowledge(user, escalation) -> bool:
    return holds_role(user, escalation.organisation, {Role.BOARD_DIRECTOR})


def can_see_dashboard(user, organisation) -> bool:
    return holds_role(user, organisation, MSO_TEAM_ROLES | {Role.BOARD_DIRECTOR})


def can_see_feedback(user, incident) -> bool:
    return incident.reporter_id is not None and incident.reporter_id == user.pk


def review_organisation_ids(user) -> set[int]:
    return {a.organisation_id for a in current_roles_of(user) if a.role in MSO_TEAM_ROLES and a.organisation_id}


def director_organisation_ids(user) -> set[int]:
    return {a.organisation_id for a in current_roles_of(user) if a.role == Role.BOARD_DIRECTOR and a.organisation_id}


def dashboard_organisation_ids(user) -> set[int]:
    return review_organisation_ids(user) | director_organisation_ids(user)


# --- learning bulletins ---------------------------------------------------------------------------


def can_write_bulletin(user, organisation) -> bool:
    """The organisation's MSO team writes and publishes its learning bulletins."""
    return holds_role(user, organisation, MSO_TEAM_ROLES)


def can_publish_bulletin(user, bulletin) -> bool:
    return can_write_bulletin(user, bulletin.organisation)


def can_see_read_counts(user, bulletin) -> bool:
    return can_write_bulletin(user, bulletin.organisation)


def bulletin_reader_organisation_ids(user) -> set[int]:
    """Everyone who works for an organisation reads its published bulletins."""
    return {a.organisation_id for a in current_roles_of(user) if a.role in REPORTING_ROLES and a.organisation_id}


def bulletin_writer_organisations(user) -> list:
    organisations = {a.organisation_id: a.organisation for a in current_roles_of(user) if a.role in MSO_TEAM_ROLES and a.organisation_id}
    return sorted(organisations.values(), key=lambda o: o.name)


# --- PSIRF learning responses -------------------------------------------------------------------


def can_keep_response_plan(user, organisation) -> bool:
    """The MSO team keeps its organisation's response plan and works on its learning responses."""
    return holds_role(user, organisation, MSO_TEAM_ROLES)


def can_commission_response(user, organisation) -> bool:
    """The MSO or deputy decides the response, as they close incidents: it commits the organisation."""
    return holds_role(user, organisation, MSO_AND_DEPUTY)
