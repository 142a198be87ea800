"""Incident pages, by page group. Each view reads through a selector scoped to the user, validates with a
form and calls one service; a refusal from a service becomes a message on the page. The URLconf reaches each
page as `views.<name>`."""

from .reporting import (  # noqa: F401
    FOLLOW_UP_BY_ADDRESS,
    FOLLOW_UP_BY_REPORT,
    RECEIPT_SESSION_KEY,
    incident_follow_up,
    incident_receipt,
    incident_report,
    my_reports,
)
from .detail import _detail, incident_detail  # noqa: F401
from .review import (  # noqa: F401
    QUEUE_COUNT_LIMIT,
    incident_action_add,
    incident_action_done,
    incident_feedback,
    incident_grade,
    incident_learning,
    incident_transition,
    review_queue,
)
from .escalations import escalation_acknowledge, escalation_list, incident_escalate  # noqa: F401
from .dashboards import dashboard, dashboard_for_request, national_dashboard  # noqa: F401
from .bulletins import bulletin_create, bulletin_detail, bulletin_list, bulletin_publish  # noqa: F401
