"""Who may do what with clinical safety records. Templates use these to hide controls;
services call them again so that a hand-made request is refused too."""

from mso_registry.models import Organisation, Role
from mso_registry.permissions import holds_role

from .models import SafetyCaseStatus

# Hazard logs and safety cases are for the people who answer for clinical risk, not for every
# member of staff; reporters see nothing here.
READER_ROLES = frozenset(
    {Role.CSO, Role.GOVERNANCE, Role.MSO, Role.DEPUTY_MSO, Role.SAFETY_TEAM, Role.BOARD_DIRECTOR}
)
EDITOR_ROLES = frozenset({Role.CSO})
APPROVER_ROLES = frozenset({Role.GOVERNANCE})


def can_read_clinical_safety(user, organisation: Organisation) -> bool:
    return holds_role(user, organisation, READER_ROLES)


def can_add_system(user, organisation: Organisation) -> bool:
    return holds_role(user, organisation, EDITOR_ROLES)


def can_edit_system(user, system) -> bool:
    """The organisation's CSOs keep its systems, hazard logs and safety cases."""
    return holds_role(user, system.organisation, EDITOR_ROLES)


def can_edit_safety_case(user, report) -> bool:
    return report.is_editable and can_edit_system(user, report.system)


def can_submit_safety_case(user, report) -> bool:
    return report.is_editable and can_edit_system(user, report.system)


def can_decide_safety_case(user, report) -> bool:
    """A governance team member of the organisation, never the report's author."""
    return (
        report.status == SafetyCaseStatus.SUBMITTED
        and report.author_id != user.pk
        and holds_role(user, report.system.organisation, APPROVER_ROLES)
    )
