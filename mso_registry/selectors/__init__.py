"""Reads of the registry, scoped to the reader, by what they are about."""

from .roles import (  # noqa: F401
    NO_BOARD_DIRECTOR,
    current_roles_of,
    forget_current_roles,
    navigation_for,
    organisation_current_role_holders,
    organisation_role_history,
    organisations_visible_to,
    organisations_with_current_mso,
    roles_not_current_of,
)
from .directory import (  # noqa: F401
    DIRECTORY_COLUMNS,
    directory_holders,
    directory_page_holders,
    directory_page_rows,
    directory_rows,
    directory_summary,
    directory_table,
)
from .home import (  # noqa: F401
    home_organisation_cards,
    national_registry_summary,
    organisation_attention_items,
    organisations_without_mso,
)
from .records import (  # noqa: F401
    change_requests_for_registry,
    change_requests_visible_to,
    people_visible_to,
    professions_of,
)
from .handover import handovers_visible_to, open_handover_of  # noqa: F401
from .cso_register import cso_register, cso_signing_refusals, cso_verifiers_description  # noqa: F401
from .communications import (  # noqa: F401
    COMMUNICATION_READER_ROLES,
    TRACKING_COLUMNS,
    audience_description,
    communication_audience,
    communication_audience_summary,
    communication_copies_for,
    communication_copies_of_my_organisations,
    communication_counts,
    communication_recipients_visible_to,
    communication_tracking,
    communication_tracking_table,
    communications_for_registry,
    communications_visible_to,
    home_communications,
)
