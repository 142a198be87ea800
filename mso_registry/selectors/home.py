"""The home page: the reader's organisations and what needs attention, and the national picture."""

from datetime import timedelta

from django.utils import timezone

from ..models import MSO_TEAM_ROLES, Organisation, Role, RoleAssignment
from .directory import directory_summary
from .roles import NO_BOARD_DIRECTOR, current_roles_of, organisations_with_current_mso


def organisation_attention_items(organisation: Organisation, role_holders: list[RoleAssignment]) -> list[str]:
    """What is missing from an organisation's record, in the words an MSO would use."""
    held = {a.role for a in role_holders}
    items = []
    if Role.MSO not in held:
        items.append("No current Medication Safety Officer is named.")
    if Role.BOARD_DIRECTOR not in held:
        items.append(f"{NO_BOARD_DIRECTOR}: an escalation of a red-flag incident has no one to acknowledge it "
                     "until one is named.")
    if not organisation.generic_mso_email:
        items.append("No generic MSO mailbox is recorded, so national alerts cannot reach the MSO.")
    if organisation.record_confirmed_on is None or organisation.record_confirmed_on < timezone.localdate() - timedelta(
        days=365
    ):
        items.append("The record has not been confirmed in the last 12 months.")
    return items


def home_organisation_cards(user) -> list[dict]:
    """One card per organisation the user holds a role in: their roles, the role holders and what needs attention."""
    roles = current_roles_of(user)
    organisations = {a.organisation_id: a.organisation for a in roles if a.organisation_id}
    holders = list(
        RoleAssignment.objects.current()
        .filter(organisation_id__in=organisations, role__in=[Role.MSO, Role.DEPUTY_MSO, Role.BOARD_DIRECTOR])
        .select_related("user")
    )
    cards = []
    for organisation in sorted(organisations.values(), key=lambda o: o.name):
        mine = [a for a in roles if a.organisation_id == organisation.pk]
        theirs = [a for a in holders if a.organisation_id == organisation.pk]
        cards.append(
            {
                "organisation": organisation,
                "my_roles": mine,
                "mso": next((a.user for a in theirs if a.role == Role.MSO), None),
                "deputy": next((a.user for a in theirs if a.role == Role.DEPUTY_MSO), None),
                "director": next((a.user for a in theirs if a.role == Role.BOARD_DIRECTOR), None),
                # Gaps in the record matter to those who keep it, not to reporters.
                "attention": organisation_attention_items(organisation, theirs)
                if any(a.role in MSO_TEAM_ROLES | {Role.BOARD_DIRECTOR} for a in mine)
                else [],
            }
        )
    return cards


def national_registry_summary() -> dict:
    """The directory's counts over every organisation."""
    return directory_summary(organisations_with_current_mso())


def organisations_without_mso(limit: int = 10) -> list[Organisation]:
    return list(organisations_with_current_mso().filter(has_mso=False).order_by("name")[:limit])
