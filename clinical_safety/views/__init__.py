"""Clinical safety pages, by page group. Thin: load through a scoped selector (another organisation's record is a
404), validate with a form, change through a service, show a DomainError's message. The URLconf reaches each page
as `views.<name>`."""

from .systems import system_create, system_detail, system_edit, system_list  # noqa: F401
from .hazards import hazard_create, hazard_detail, hazard_edit  # noqa: F401
from .hazard_log import (  # noqa: F401
    hazard_log_export,
    hazard_log_import,
    hazard_log_issue,
    hazard_log_version_detail,
    hazard_log_version_json,
    hazard_log_version_pdf,
)
from .safety_cases import (  # noqa: F401
    safety_case_create,
    safety_case_decide,
    safety_case_detail,
    safety_case_edit,
    safety_case_pdf,
    safety_case_submit,
)
