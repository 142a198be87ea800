"""Who may do what with the monthly medication safety report. Templates use these to hide controls;
services call them again so that a hand-made request is refused too."""

from mso_registry.models import MSO_TEAM_ROLES, Role
from mso_registry.permissions import holds_role, is_registry_admin

from .models import BoardReportStatus

# The MSO or deputy answers for the report to the board; the safety team helps and reads it.
ISSUING_ROLES = frozenset({Role.MSO, Role.DEPUTY_MSO})


def can_read_report(user, report) -> bool:
    return holds_role(user, report.organisation, MSO_TEAM_ROLES | {Role.BOARD_DIRECTOR})


def can_write_narrative(user, report) -> bool:
    return report.is_draft and holds_role(user, report.organisation, ISSUING_ROLES)


def can_issue(user, report) -> bool:
    return can_write_narrative(user, report)


def can_acknowledge_report(user, report) -> bool:
    return report.status == BoardReportStatus.ISSUED and holds_role(user, report.organisation, {Role.BOARD_DIRECTOR})


def can_see_national_spc(user) -> bool:
    return is_registry_admin(user)
