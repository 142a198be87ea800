"""Writes of the registry, by what they are about."""

from .handover import (  # noqa: F401
    HANDOVER_TRANSITIONS,
    handover_cancel,
    handover_complete,
    handover_completion_refusals,
    handover_item_update,
    handover_start,
    successor_invite,
)
from .records import (  # noqa: F401
    ORGANISATION_FIELDS,
    change_request_accept,
    change_request_create,
    change_request_query,
    clinical_safety_training_record,
    organisation_confirm_record,
    organisation_create,
    organisation_update,
    professional_details_update,
    role_assign,
    role_end,
)
from .directory import IMPORT_COLUMNS, organisations_import  # noqa: F401
from .communications import (  # noqa: F401
    communication_acknowledge,
    communication_create,
    communication_reminders_send,
    communication_send,
)
from .cso_register import cso_registration_verify, cso_training_verify  # noqa: F401
