"""The national-scale benchmark dataset, written into PostgreSQL with COPY.

500 organisations (ICBs, trusts, GP practices, pharmacies, independent providers) with a dated
registry history, 2,000,000 medication incidents over ten years (reporting grows ~8% a year and
big trusts report far more than small ones: a Zipf-like weight by size), their medicines, error
types, actions and escalations, and 20,000 hazards in the trusts' hazard logs.

Rows are generated in memory and streamed through `COPY ... FROM STDIN` on one connection with
`session_replication_role = replica`, so foreign-key triggers do not fire per row (the generator
only refers to rows it made). Secondary indexes of the big tables are dropped before the copy and
built again afterwards, which is several times faster than maintaining them row by row.

The sizes come from BENCH_INCIDENTS, BENCH_ORGANISATIONS and BENCH_HAZARDS; run.py (database.py's
ensure_dataset) records them as a comment on the database and reuses the data when the comment matches.

generate() below runs the parts in order: dataset_organisations.py, dataset_incidents.py and
dataset_hazards.py make the rows, dataset_copy.py copies them in.
"""

import random
import time

from django.db import connection
from django.utils import timezone

from dataset_copy import _reset_sequences, _secondary_indexes
from dataset_hazards import _hazards
from dataset_incidents import _incidents
from dataset_organisations import BENCH_USERS, _organisations_and_people  # noqa: F401 - run.py and sender.py read it here

VERSION = 2
SEED = 20260307


def generate(*, incidents: int, organisations: int, hazards: int) -> dict:
    """Fill an empty, migrated database; returns what was made and how long each part took."""
    from incidents.models import Escalation, IncidentAction, IncidentErrorType, IncidentMedicine, MedicationIncident
    from mso_registry.models import ChangeOfDetailsRequest, Organisation, ProfessionalDetails, RoleAssignment
    from users.models import User

    rng = random.Random(SEED)
    now = timezone.now().replace(microsecond=0)
    started = time.monotonic()
    big = [MedicationIncident, IncidentMedicine, IncidentErrorType, Escalation, IncidentAction]
    dropped = []
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        for model in big:
            for name, definition in _secondary_indexes(model._meta.db_table):
                cursor.execute(f'DROP INDEX "{name}"')
                dropped.append(definition)
    orgs, people, bench_org = _organisations_and_people(rng, organisations=organisations, now=now)
    made = _incidents(rng, orgs=orgs, people=people, size=incidents, now=now)
    t = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for definition in dropped:
            cursor.execute(definition)
    made["timings"]["indexes"] = round(time.monotonic() - t, 1)
    _reset_sequences([Organisation, User, RoleAssignment, ProfessionalDetails, ChangeOfDetailsRequest, *big])
    t = time.monotonic()
    made.update(_hazards(rng, orgs=orgs, people=people, size=hazards, now=now))
    made["timings"]["hazards"] = round(time.monotonic() - t, 1)
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = DEFAULT")
    made.update(incidents=incidents, organisations=len(orgs), users=User.objects.count(),
                role_assignments=RoleAssignment.objects.count(), bench_organisation=bench_org["ods_code"],
                bench_organisation_incidents=MedicationIncident.objects.filter(organisation_id=bench_org["id"]).count())
    made["seconds"] = round(time.monotonic() - started, 1)
    return made
