"""Every change to clinical safety records, by what it is about. Each function runs in one transaction
with its audit record and its notifications; permission is checked here as well as in the view. Every name is
importable from `clinical_safety.services`."""

from .shared import (  # noqa: F401
    HAZARD_AUDIT_FIELDS,
    HAZARD_INPUT_FIELDS,
    SCORE_FIELDS,
    SYSTEM_FIELDS,
    SigningRefused,
    SubmissionRefused,
)
from .systems import hazard_log_live_hashes_fill, system_create, system_update  # noqa: F401
from .hazards import hazard_control_add, hazard_create, hazard_update  # noqa: F401
from .hazard_log_versions import hazard_log_issue  # noqa: F401
from .safety_cases import (  # noqa: F401
    SAFETY_CASE_INPUT_FIELDS,
    safety_case_approve,
    safety_case_document,
    safety_case_draft,
    safety_case_reject,
    safety_case_submit,
    safety_case_update,
)
from .imports import EXPORT_FORMAT, IMPORTED_TEXT_FIELDS, hazard_log_import  # noqa: F401
from .reminders import hazard_review_reminders_send  # noqa: F401

# The views check a report's hash through the services.
from ..selectors import content_hash  # noqa: F401
