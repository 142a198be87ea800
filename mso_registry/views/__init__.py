"""The registry's pages, by page group; the URLconf reaches each as `views.<name>`."""

from .shared import emailed_sentence  # noqa: F401
from .organisations import (  # noqa: F401
    directory_export,
    organisation_confirm,
    organisation_detail,
    organisation_edit,
    organisation_import,
    organisation_list,
    role_end,
)
from .people import person_detail  # noqa: F401
from .clinical_safety_officers import cso_register, cso_registration_verify, cso_training_verify  # noqa: F401
from .change_requests import change_request_decide, change_request_list  # noqa: F401
from .handover import handover_detail, handover_item_update, handover_start, handover_transition, handover_url  # noqa: F401
from .communications import (  # noqa: F401
    communication_acknowledge,
    communication_create,
    communication_detail,
    communication_export,
    communication_list,
    communication_send,
)
