"""Writes of medication incidents, by what they are about. Each runs in one transaction with its audit
record and the outbox rows of the emails it causes; every email has an idempotency key, so it is sent once.
Every name is importable from `incidents.services`."""

from .reporting import REPORT_PURPOSE, incident_follow_up_code_reissue, incident_report  # noqa: F401
from .review import (  # noqa: F401
    GRADE_FIELDS,
    incident_feedback_give,
    incident_grade,
    incident_learning_record,
    incident_transition,
)
from .actions import ACTION_PURPOSE, incident_action_add, incident_action_complete  # noqa: F401
from .bulletins import BULLETIN_PUBLISH_PURPOSE, bulletin_create, bulletin_mark_read, bulletin_publish  # noqa: F401
from .summaries import incident_summary_refresh  # noqa: F401

# Services and helpers of other modules, read from here by their old address (views, tasks, demo, tests).
from core.working_days import add_working_days  # noqa: F401

from ..actions import action_owner_tell, actions_chase_overdue, incident_action_reassign  # noqa: F401
from ..escalations import (  # noqa: F401
    escalation_acknowledge,
    escalation_open,
    escalations_chase_overdue,
    escalations_give_to_director,
    incident_escalate,
)
from ..recipients import NO_DIRECTOR, board_directors, incident_url, mso_recipients  # noqa: F401
