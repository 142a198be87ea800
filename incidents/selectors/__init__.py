"""Reads of medication incidents, always scoped to the reader: another organisation's
incident is not found, rather than refused. By what they are about; every name is importable from
`incidents.selectors`."""

from .reports import (  # noqa: F401
    REVIEW_QUEUE_ROW_FIELDS,
    escalations_for_director,
    incident_by_follow_up_code,
    incident_for_page,
    incident_summary,
    incidents_of,
    incidents_visible_to,
    my_reports,
    review_queue,
    review_queue_badges,
    review_queue_of,
)
from .actions import action_for_page, action_owner_choices, actions_visible_to, my_open_actions  # noqa: F401
from .home import home_section  # noqa: F401
from .dashboards import (  # noqa: F401
    dashboard,
    dashboard_default_start,
    dashboard_from_incidents,
    dashboard_organisations,
    dashboard_summary,
    monthly_summary_cells,
    national_dashboard,
)
from .bulletins import (  # noqa: F401
    BULLETIN_INCIDENT_CHOICES,
    bulletin_audience,
    bulletin_incident_summaries,
    bulletin_read_figures,
    bulletins_for_list,
    bulletins_visible_to,
    closed_incidents_for_bulletin,
    home_bulletins,
)
