"""The national directory of organisations and its export."""

from collections import defaultdict
from datetime import timedelta
from types import SimpleNamespace
from typing import NamedTuple

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from users.models import person_name

from ..models import Organisation, Role, RoleAssignment
from ..national_list import Detail, listed_person


def _listed_role_holders():
    # The model's order within an organisation, without its join to the organisations to sort by their names.
    return (RoleAssignment.objects.current().filter(role__in=[Role.MSO, Role.BOARD_DIRECTOR]).select_related("user")
            .order_by("role", "-start_date"))


def directory_rows(queryset) -> QuerySet[Organisation]:
    """The national directory: each organisation with its current MSO and board director prefetched,
    two queries whatever the number of rows."""
    return queryset.select_related("icb").prefetch_related(
        Prefetch("role_assignments", queryset=_listed_role_holders(), to_attr="listed_role_holders")
    )


# What a row of the directory page shows (registry_tags.directory_rows); the download shows more (directory_table).
DIRECTORY_PAGE_FIELDS = ("ods_code", "name", "organisation_type", "region", "generic_mso_email", "listed_mailbox",
                         "listed_mso", "record_confirmed_on")


class ListedPerson(NamedTuple):
    """A role holder as a directory row shows them (as a user is written) and as the national list is checked
    against (their email)."""

    full_name: str
    email: str

    def __str__(self):
        return person_name(self.full_name, self.email)


def directory_page_rows(queryset) -> QuerySet[Organisation]:
    """The directory page's organisations, with only what a row shows of each; directory_page_holders adds
    their MSO and board director once the page is cut."""
    return queryset.select_related(None).only(*DIRECTORY_PAGE_FIELDS)


def directory_page_holders(organisations) -> list[Organisation]:
    """A directory page's organisations with their current MSO and board director (`listed_role_holders`, as
    directory_rows prefetches them), read as plain values in one query: 50 organisations' role assignments
    and people built as objects were most of the page's reading."""
    organisations = list(organisations)
    holders = defaultdict(list)
    rows = (_listed_role_holders().filter(organisation_id__in=[o.pk for o in organisations])
            .values_list("organisation_id", "role", "user__full_name", "user__email"))
    for organisation_id, role, full_name, email in rows:
        holders[organisation_id].append(SimpleNamespace(role=role, user=ListedPerson(full_name, email)))
    for organisation in organisations:
        organisation.listed_role_holders = holders[organisation.pk]
    return organisations


def directory_summary(queryset) -> dict:
    """Counts at the top of the directory, for the filtered list."""
    stale_before = timezone.localdate() - timedelta(days=365)
    counts = queryset.aggregate(
        organisations=Count("pk"),
        with_mso=Count("pk", filter=Q(has_mso=True)),
        stale=Count("pk", filter=Q(record_confirmed_on__isnull=True) | Q(record_confirmed_on__lt=stale_before)),
    )
    counts["vacant"] = counts["organisations"] - counts["with_mso"]
    return counts


DIRECTORY_COLUMNS = [
    "ODS code", "Organisation", "Type", "Region", "ICB", "MSO", "MSO email", "Generic MSO mailbox",
    "Board director", "Record last confirmed",
    # What the registry administrator has accepted (change-of-details requests), beside the live values.
    "National list: MSO", "National list: mailbox", "National list: board director",
]


def directory_holders(organisation: Organisation) -> dict:
    """The MSO and board director of a directory row (from directory_rows' prefetch), and whether the
    national list names that MSO."""
    holders = {a.role: a.user for a in organisation.listed_role_holders}
    mso = holders.get(Role.MSO)
    return {
        "mso": mso,
        "director": holders.get(Role.BOARD_DIRECTOR),
        "mso_listed": bool(mso and listed_person(organisation, Detail.MSO)),
    }


def directory_table(organisations) -> list[list[str]]:
    """The rows of the national MSO list as exported (CSV and XLSX)."""
    rows = []
    for organisation in organisations:
        holders = directory_holders(organisation)
        mso, director = holders["mso"], holders["director"]
        rows.append([
            organisation.ods_code,
            organisation.name,
            organisation.get_organisation_type_display(),
            organisation.get_region_display(),
            organisation.icb.ods_code if organisation.icb else "",
            mso.full_name if mso else "VACANT",
            mso.email if mso else "",
            organisation.generic_mso_email,
            director.full_name if director else "VACANT",
            organisation.record_confirmed_on.isoformat() if organisation.record_confirmed_on else "",
            # Only what the registry accepted and is still true: never someone who does not hold the post.
            listed_person(organisation, Detail.MSO),
            organisation.listed_mailbox,
            listed_person(organisation, Detail.BOARD_DIRECTOR),
        ])
    return rows
