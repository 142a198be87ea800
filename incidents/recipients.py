"""Who an incident's emails go to, and the dates and links they carry. Shared by the services of
incidents, escalations and actions, so that none of them imports another's."""

import hashlib
from datetime import date

from django.conf import settings
from django.urls import reverse

from core.working_days import add_working_days
from mso_registry.models import Organisation, Role, RoleAssignment
from mso_registry.selectors import NO_BOARD_DIRECTOR as NO_DIRECTOR  # noqa: F401 - the registry's words for a vacancy


def acknowledge_by_from(start: date) -> date:
    return add_working_days(start, settings.INCIDENT_ESCALATION_ACKNOWLEDGE_WORKING_DAYS)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def incident_url(incident) -> str:
    return site_url(reverse("incidents:incident_detail", args=[incident.reference]))


def mso_recipients(organisation: Organisation) -> list[str]:
    """The MSO and deputy in person, and the generic MSO mailbox so that cover sees it too."""
    holders = RoleAssignment.objects.current().filter(organisation=organisation, role__in=[Role.MSO, Role.DEPUTY_MSO])
    emails = list(holders.order_by("role", "pk").values_list("user__email", flat=True))
    if organisation.generic_mso_email:
        emails.append(organisation.generic_mso_email)
    return list(dict.fromkeys(e.lower() for e in emails))


def board_directors(organisation_id: int) -> list:
    """The organisation's current board directors for medication safety, longest in post first;
    usually one, and none while the post is vacant."""
    holders = (
        RoleAssignment.objects.current().filter(organisation_id=organisation_id, role=Role.BOARD_DIRECTOR)
        .select_related("user").order_by("start_date", "pk")
    )
    return [a.user for a in holders]
