"""The national MSO list as the registry has accepted it, checked against the organisation's record.

The list may only name someone the registry administrator accepted AND who holds the post today:
an accepted value that is no longer true (the MSO left, a handover was cancelled) is not shown, and
a change-of-details request that no longer matches the record cannot be accepted."""

import re

from django.utils import timezone

from .models import ChangeOfDetailsRequest, Organisation, Role, RoleAssignment

Detail = ChangeOfDetailsRequest.Detail
# The role whose current holders a person detail on the list must match.
DETAIL_ROLES = {Detail.MSO: Role.MSO, Detail.BOARD_DIRECTOR: Role.BOARD_DIRECTOR}
_EMAIL_IN_LISTING = re.compile(r"<([^<>\s]+@[^<>\s]+)>")


def listing_email(value: str) -> str:
    """The work email in a national-list value ("Dr A Shah <a.shah@nhs.example>"), lower-cased; a name
    may be edited, so two listings are the same person when their emails are."""
    found = _EMAIL_IN_LISTING.search(value or "")
    return found.group(1).lower() if found else ""


def current_holders(organisation: Organisation, role: str) -> list:
    """The people holding a role at an organisation today (read from the directory's prefetch when there)."""
    prefetched = getattr(organisation, "listed_role_holders", None)
    if prefetched is not None:
        return [a.user for a in prefetched if a.role == role]
    return [
        a.user
        for a in RoleAssignment.objects.current().filter(organisation=organisation, role=role).select_related("user")
    ]


def listed_person(organisation: Organisation, detail: str, holders: list | None = None) -> str:
    """The MSO or board director on the national list: the accepted value when that person holds the post
    today, otherwise blank (awaiting the registry). Never a person who does not hold the post."""
    value = getattr(organisation, "listed_mso" if detail == Detail.MSO else "listed_board_director")
    if holders is None:
        holders = current_holders(organisation, DETAIL_ROLES[detail])
    email = listing_email(value)
    return value if email and email in {h.email.lower() for h in holders} else ""


def change_request_mismatch(request: ChangeOfDetailsRequest, holders: list | None = None) -> str:
    """Why the request no longer matches the organisation's current record, in words for the registry
    administrator; blank when it matches and may be accepted."""
    organisation = request.organisation
    if request.detail == Detail.MAILBOX:
        current = organisation.generic_mso_email.strip().lower()
        if request.value_after.strip().lower() == current:
            return ""
        now = organisation.generic_mso_email or "no mailbox"
        return f"{organisation.name}'s record now has {now} as its generic MSO mailbox, not {request.value_after or 'none'}."
    role = DETAIL_ROLES[request.detail]
    if holders is None:
        holders = current_holders(organisation, role)
    label = "MSO" if role == Role.MSO else "board director"
    wanted = listing_email(request.value_after)
    if not wanted:
        if not holders:
            return ""
        return f"The post is not vacant: {', '.join(str(h) for h in holders)} is the current {label} of {organisation.name}."
    if wanted in {h.email.lower() for h in holders}:
        return ""
    who = request.value_after.split(" <")[0]
    reason = f"{who} is not the current {label} of {organisation.name}"
    reason += f" (the current {label} is {', '.join(str(h) for h in holders)})." if holders else " (the post is vacant)."
    handover = request.handover
    if handover is not None and handover.status == handover.Status.IN_PROGRESS:
        starts = handover.successor_start_date
        when = "" if starts <= timezone.localdate() else f" on or after {starts:%-d %B %Y}"
        reason += f" Their handover is still in progress: accept this once it is complete{when}."
    elif handover is not None and handover.status == handover.Status.CANCELLED:
        reason += " The handover that sent it was cancelled."
    return reason


def change_requests_with_mismatch(requests) -> list[ChangeOfDetailsRequest]:
    """The requests of a page, each with `.mismatch` set for those awaiting the registry; the current
    holders are read in one query for the whole page."""
    requests = list(requests)
    waiting = [r for r in requests if r.status == ChangeOfDetailsRequest.Status.SUBMITTED]
    holders: dict[tuple[int, str], list] = {}
    for assignment in RoleAssignment.objects.current().filter(
        organisation_id__in={r.organisation_id for r in waiting}, role__in=list(DETAIL_ROLES.values())
    ).select_related("user"):
        holders.setdefault((assignment.organisation_id, assignment.role), []).append(assignment.user)
    for request in requests:
        request.mismatch = ""
        if request in waiting:
            role = DETAIL_ROLES.get(request.detail)
            request.mismatch = change_request_mismatch(
                request, holders.get((request.organisation_id, role), []) if role else None
            )
    return requests
