"""Reads of the registry, scoped to the reader."""

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from .models import MSO_TEAM_ROLES, Organisation, Role, RoleAssignment


def current_roles_of(user) -> list[RoleAssignment]:
    """The user's current role assignments, read once per request and kept on the user object."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_current_roles", None)
    if cached is None:
        cached = list(RoleAssignment.objects.current().filter(user=user).select_related("organisation"))
        user._current_roles = cached
    return cached


def forget_current_roles(user) -> None:
    user.__dict__.pop("_current_roles", None)


def organisations_visible_to(user) -> QuerySet[Organisation]:
    """The registry administrator sees every organisation; anyone else the ones they hold a role in."""
    organisations = Organisation.objects.select_related("icb")
    if any(a.role == Role.REGISTRY_ADMIN for a in current_roles_of(user)):
        return organisations
    return organisations.filter(pk__in={a.organisation_id for a in current_roles_of(user) if a.organisation_id})


def organisation_current_role_holders(organisation: Organisation) -> list[RoleAssignment]:
    return list(
        RoleAssignment.objects.current()
        .filter(organisation=organisation)
        .select_related("user")
        .order_by("role", "user__full_name")
    )


def organisation_role_history(organisation: Organisation) -> QuerySet[RoleAssignment]:
    """Every assignment there has been, current and ended, newest first within each role."""
    return RoleAssignment.objects.filter(organisation=organisation).select_related("user").order_by("role", "-start_date")


def organisations_with_current_mso() -> QuerySet[Organisation]:
    """Every organisation annotated with whether it has a current MSO, its MSO prefetched."""
    current_mso = RoleAssignment.objects.current().filter(role=Role.MSO)
    return (
        Organisation.objects.select_related("icb")
        .annotate(has_mso=Exists(current_mso.filter(organisation=OuterRef("pk"))))
        .prefetch_related(Prefetch("role_assignments", queryset=current_mso.select_related("user"), to_attr="current_msos"))
    )


def navigation_for(user) -> dict:
    """What base.html shows in the navigation for this user's roles."""
    roles = current_roles_of(user)
    return {
        "organisations": sorted({a.organisation for a in roles if a.organisation_id}, key=lambda o: o.name),
        "is_registry_admin": any(a.role == Role.REGISTRY_ADMIN for a in roles),
        "is_mso_team": any(a.role in MSO_TEAM_ROLES for a in roles),
        "is_admin_site_user": user.is_staff,
    }


def organisation_attention_items(organisation: Organisation, role_holders: list[RoleAssignment]) -> list[str]:
    """What is missing from an organisation's record, in the words an MSO would use."""
    from datetime import timedelta

    from django.utils import timezone

    held = {a.role for a in role_holders}
    items = []
    if Role.MSO not in held:
        items.append("No current Medication Safety Officer is named.")
    if Role.BOARD_DIRECTOR not in held:
        items.append("No board director for medication safety is named.")
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
    from datetime import timedelta

    from django.db.models import Count, Q
    from django.utils import timezone

    stale_before = timezone.localdate() - timedelta(days=365)
    counts = organisations_with_current_mso().aggregate(
        organisations=Count("pk"),
        with_mso=Count("pk", filter=Q(has_mso=True)),
        stale=Count("pk", filter=Q(record_confirmed_on__isnull=True) | Q(record_confirmed_on__lt=stale_before)),
    )
    counts["vacant"] = counts["organisations"] - counts["with_mso"]
    return counts


def organisations_without_mso(limit: int = 10) -> list[Organisation]:
    return list(organisations_with_current_mso().filter(has_mso=False).order_by("name")[:limit])
