"""Incident references: MI-<year>-<six digits>, one number series per year for the whole country.

The number is not per organisation: a reference is an incident's address (its page, its emails,
what a reporter quotes on the phone) and must name one incident nationally, and the format has no
room for the organisation (an ODS code is 3 to 6 characters; MI-YYYY-NNNNNN is what staff know).
What was per organisation was the wait: every report in the country locked the year's counter row
until its commit. On PostgreSQL the numbers now come from a sequence per year, whose `nextval`
holds nothing until commit, so reports never wait on each other for their reference. A report that
rolls back leaves a gap in the numbers (a reference is a name, not a count). On SQLite (the laptop
default) the year's ReferenceCounter row is the counter, under SQLite's single write lock anyway;
on PostgreSQL that row only tells a new year's sequence where to start (data loaded in bulk)."""

from django.db import connection, transaction
from django.db.models.functions import Length

from .models import MedicationIncident, ReferenceCounter

SEQUENCE = "incidents_reference_{year}"
# pg_advisory_xact_lock key for creating a year's sequence: "MI" and the year.
_CREATE_LOCK = 0x4D49_0000


def reference_format(year: int, number: int) -> str:
    return f"MI-{year}-{number:06d}"


def reference_numbers_take(*, year: int, count: int = 1) -> list[int]:
    """`count` numbers of the year nobody has had, in increasing order. Call it inside the
    transaction that saves the incidents."""
    if count < 1:
        return []
    if connection.vendor != "postgresql":
        return _counter_take(year, count)
    name = SEQUENCE.format(year=int(year))
    # One statement, no cache of which years exist: a sequence made by a transaction that then rolled
    # back is gone again. text -> regclass is resolved when run, so a missing year gives NULLs.
    sql = "SELECT CASE WHEN to_regclass(%s) IS NOT NULL THEN nextval(%s::text) END FROM generate_series(1, %s)"
    with connection.cursor() as cursor:
        cursor.execute(sql, [name, name, count])
        numbers = [row[0] for row in cursor.fetchall()]
        if None in numbers:
            _sequence_make(year, name)
            cursor.execute(sql, [name, name, count])
            numbers = [row[0] for row in cursor.fetchall()]
    return sorted(numbers)


def _counter_take(year: int, count: int) -> list[int]:
    if not ReferenceCounter.objects.filter(year=year).exists():
        ReferenceCounter.objects.get_or_create(year=year, defaults={"last_number": _last_given(year)})
    counter = ReferenceCounter.objects.select_for_update().get(year=year)
    first = counter.last_number + 1
    counter.last_number += count
    counter.save(update_fields=["last_number"])
    return list(range(first, counter.last_number + 1))


def _last_given(year: int) -> int:
    """The highest number of the year already given, by the counter or by an incident."""
    counter = ReferenceCounter.objects.filter(year=year).values_list("last_number", flat=True).first() or 0
    newest = (
        MedicationIncident.objects.filter(reference__startswith=f"MI-{year}-")
        .order_by(Length("reference").desc(), "-reference").values_list("reference", flat=True).first()
    )
    return max(counter, int(newest.rsplit("-", 1)[1]) if newest else 0)


def _sequence_make(year: int, name: str) -> None:
    """The year's first report makes its sequence (under an advisory lock held to commit, so two
    first reports make it once), to start after any number already given."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CREATE_LOCK + int(year)])
        cursor.execute("SELECT to_regclass(%s)", [name])  # made by the report we waited for?
        if cursor.fetchone()[0] is None:
            cursor.execute(f'CREATE SEQUENCE "{name}" START WITH {_last_given(year) + 1}')
