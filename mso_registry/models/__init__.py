"""The registry's models, by what they are about; every name is importable from `mso_registry.models`."""

from .organisations import (  # noqa: F401
    MSO_TEAM_ROLES,
    NATIONAL_ROLES,
    RECORD_KEEPER_ROLES,
    Organisation,
    OrganisationType,
    Region,
    Role,
    RoleAssignment,
    RoleAssignmentQuerySet,
)
from .people import ClinicalSafetyTraining, Profession, ProfessionalDetails, RegistrationBody  # noqa: F401
from .changes import ChangeOfDetailsRequest, Handover, HandoverItem  # noqa: F401
from .communications import (  # noqa: F401
    ACKNOWLEDGEMENT_TRANSITIONS,
    COMMUNICATION_TRANSITIONS,
    CommunicationRecipient,
    NationalCommunication,
)
