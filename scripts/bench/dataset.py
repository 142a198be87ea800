"""The national-scale benchmark dataset, written into PostgreSQL with COPY.

500 organisations (ICBs, trusts, GP practices, pharmacies, independent providers) with a dated
registry history, 2,000,000 medication incidents over ten years (reporting grows ~8% a year and
big trusts report far more than small ones: a Zipf-like weight by size), their medicines, error
types, actions and escalations, and 20,000 hazards in the trusts' hazard logs.

Rows are generated in memory and streamed through `COPY ... FROM STDIN` on one connection with
`session_replication_role = replica`, so foreign-key triggers do not fire per row (the generator
only refers to rows it made). Secondary indexes of the big tables are dropped before the copy and
built again afterwards, which is several times faster than maintaining them row by row.

The sizes come from BENCH_INCIDENTS, BENCH_ORGANISATIONS and BENCH_HAZARDS; `load()` records them
as a comment on the database and reuses the data when the comment matches.
"""

import io
import json
import random
import time
from bisect import bisect
from datetime import date, datetime, timedelta
from itertools import accumulate

from django.db import connection
from django.utils import timezone

VERSION = 2
SEED = 20260307
REGIONS = ["london", "south_west", "south_east", "midlands", "east_of_england", "north_west", "north_east_yorkshire"]
TYPE_COUNTS = [("icb", 42), ("nhs_trust", 220), ("gp_practice", 150), ("community_pharmacy", 70),
               ("independent_provider", 18)]
TRUST_DEPARTMENTS = ["Ward 7 (Acute Medicine)", "Ward 12 (Surgery)", "Emergency Department", "Intensive Care Unit",
                     "Pharmacy Dispensary", "Paediatrics", "Maternity", "Day Oncology", "Cedar Ward (Older Adults)",
                     "Theatres", "Renal Unit", "Cardiology", "Community Nursing North", "Outpatients"]
SMALL_DEPARTMENTS = ["Dispensary", "Consulting room", "Reception", "Treatment room", "Home visit"]
HARMS = [("none", 58), ("low", 27), ("moderate", 10), ("severe", 4), ("fatal", 1)]
SURNAMES = ["Patel", "Smith", "Jones", "Khan", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Ahmed",
            "Thomas", "Roberts", "Johnson", "Lewis", "Walker", "Okafor", "Nowak", "Hughes", "Green"]
FIRST_NAMES = ["Amira", "Ben", "Chloe", "Dev", "Ella", "Femi", "Grace", "Hassan", "Isla", "Jack", "Kiran", "Lucy",
               "Mo", "Nia", "Oliver", "Priya", "Rory", "Sara", "Tom", "Zara"]
BENCH_USERS = {
    "mso": "bench-mso@bench.example",
    "staff": "bench-staff@bench.example",
    "director": "bench-director@bench.example",
    "cso": "bench-cso@bench.example",
    "registry": "bench-registry@bench.example",
}


# --- COPY plumbing -------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, (list, dict)):
        value = json.dumps(value)
    elif isinstance(value, (datetime, date)):
        return value.isoformat()
    else:
        value = str(value)
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class _Stream(io.RawIOBase):
    """A file-like reader over an iterator of text lines, for copy_expert."""

    def __init__(self, lines):
        self._chunks = (line.encode() for line in lines)
        self._buffer = b""

    def readable(self):
        return True

    def read(self, size=-1):
        while size < 0 or len(self._buffer) < size:
            try:
                self._buffer += next(self._chunks)
            except StopIteration:
                break
        if size < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


def copy_rows(model, rows) -> int:
    """COPY dicts of {attname: value} into the model's table; fields a row leaves out get the
    model's default, so a column added later by someone else does not break the loader."""
    fields = model._meta.concrete_fields
    defaults = {}
    for f in fields:
        if f.has_default():
            defaults[f.attname] = f.get_default()
        elif f.null:
            defaults[f.attname] = None
        elif f.get_internal_type() in ("CharField", "TextField", "EmailField", "SlugField"):
            defaults[f.attname] = ""
    names = [f.attname for f in fields]
    count = 0

    def lines():
        nonlocal count
        batch = []
        for row in rows:
            count += 1
            batch.append("\t".join(_text(row[n] if n in row else defaults.get(n)) for n in names) + "\n")
            if len(batch) >= 5000:
                yield "".join(batch)
                batch = []
        if batch:
            yield "".join(batch)

    columns = ", ".join(f'"{f.column}"' for f in fields)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN', _Stream(lines()))
    return count


def _secondary_indexes(table: str) -> list[tuple[str, str]]:
    """(name, definition) of the indexes that no constraint owns, so they may be dropped."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x
               JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
               WHERE t.relname = %s AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)""",
            [table],
        )
        return cursor.fetchall()


def _reset_sequences(models) -> None:
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), COALESCE((SELECT MAX(id) FROM \"{table}\"), 1))"
            )


# --- The data --------------------------------------------------------------------------------


def _ods(rng, kind: str, taken: set) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
    while True:
        if kind == "icb":
            code = "Q" + "".join(rng.choice(alphabet) for _ in range(2))
        elif kind == "nhs_trust":
            code = "R" + "".join(rng.choice(alphabet) for _ in range(2))
        elif kind == "gp_practice":
            code = rng.choice("ABCDEGHJKLMNPY") + f"{rng.randint(0, 99999):05d}"
        elif kind == "community_pharmacy":
            code = "F" + "".join(rng.choice(alphabet) for _ in range(4))
        else:
            code = rng.choice("ANTV") + "".join(rng.choice(alphabet) for _ in range(4))
        if code not in taken:
            taken.add(code)
            return code


def _name(rng) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"


def _organisations_and_people(rng, *, organisations: int, now):
    """Organisations with weights, users and role assignments (with ended MSO posts as history)."""
    from mso_registry.models import ChangeOfDetailsRequest, Organisation, ProfessionalDetails, RoleAssignment
    from users.models import User

    scale = organisations / sum(n for _, n in TYPE_COUNTS)
    kinds = [kind for kind, n in TYPE_COUNTS for _ in range(max(1, round(n * scale)))][:organisations]
    kinds += ["gp_practice"] * (organisations - len(kinds))
    kinds.sort(key=lambda k: k != "icb")  # ICBs first, so the others can point at them
    taken, orgs, icbs_by_region = set(), [], {}
    trust_rank = 0
    today = timezone.localdate()
    for pk, kind in enumerate(kinds, start=1):
        region = REGIONS[pk % len(REGIONS)]
        code = _ods(rng, kind, taken)
        if kind == "nhs_trust":
            # Big trusts report far more: the i-th biggest weighs 1/(i+5)^0.9.
            weight = 1 / (trust_rank + 5) ** 0.9
            trust_rank += 1
            name = f"{rng.choice(['North', 'South', 'East', 'West', 'Royal', 'City', 'County'])} {code} NHS Foundation Trust"
        elif kind == "icb":
            weight, name = 0.0005, f"NHS {code} Integrated Care Board"
        elif kind == "gp_practice":
            weight, name = 0.0015, f"{rng.choice(SURNAMES)} Medical Practice ({code})"
        elif kind == "community_pharmacy":
            weight, name = 0.001, f"{rng.choice(SURNAMES)} Pharmacy ({code})"
        else:
            weight, name = 0.004, f"{rng.choice(SURNAMES)} Healthcare ({code})"
        icb_id = rng.choice(icbs_by_region[region]) if kind != "icb" and icbs_by_region.get(region) else None
        if kind == "icb":
            icbs_by_region.setdefault(region, []).append(pk)
        confirmed = today - timedelta(days=rng.randint(0, 700)) if rng.random() < 0.9 else None
        orgs.append({
            "id": pk, "name": name, "ods_code": code, "organisation_type": kind, "region": region, "icb_id": icb_id,
            "generic_mso_email": f"mso.{code.lower()}@nhs.example" if rng.random() < 0.85 else "",
            "record_confirmed_on": confirmed, "created_at": now - timedelta(days=3650),
            "_weight": weight, "_kind": kind,
        })
    # The biggest reporter is where the bench users work.
    bench_org = max(orgs, key=lambda o: o["_weight"])

    users, roles, people = [], [], {}
    user_id = 0

    def person(email, full_name):
        nonlocal user_id
        user_id += 1
        users.append({"id": user_id, "email": email, "full_name": full_name, "password": "!bench-unusable",
                      "is_active": True, "is_staff": False, "is_superuser": False, "date_joined": now})
        return user_id

    def role(uid, org_id, name, start, end=None):
        roles.append({"id": len(roles) + 1, "user_id": uid, "organisation_id": org_id, "role": name,
                      "start_date": start, "end_date": end, "created_at": now})

    registry = person(BENCH_USERS["registry"], "Bench Registry Administrator")
    role(registry, None, "registry_admin", today - timedelta(days=900))
    total_weight = sum(o["_weight"] for o in orgs)
    for org in orgs:
        code, pk = org["ods_code"].lower(), org["id"]
        is_bench = org is bench_org
        team = {"staff": []}
        # Registry history: up to three MSOs before the current one, each in post for a while.
        start = today - timedelta(days=3650)
        for n in range(rng.randint(0, 3)):
            end = start + timedelta(days=rng.randint(300, 900))
            if end >= today - timedelta(days=30):
                break
            role(person(f"former-mso{n}@{code}.bench.example", _name(rng)), pk, "mso", start, end)
            start = end + timedelta(days=1)
        vacant = not is_bench and rng.random() < 0.06
        if not vacant:
            team["mso"] = person(BENCH_USERS["mso"] if is_bench else f"mso@{code}.bench.example", _name(rng))
            role(team["mso"], pk, "mso", start)
        if is_bench or rng.random() < 0.9:
            team["director"] = person(BENCH_USERS["director"] if is_bench else f"director@{code}.bench.example",
                                      _name(rng))
            role(team["director"], pk, "board_director", today - timedelta(days=rng.randint(30, 2000)))
        if org["_kind"] in ("nhs_trust", "independent_provider"):
            team["deputy"] = person(f"deputy@{code}.bench.example", _name(rng))
            role(team["deputy"], pk, "deputy_mso", today - timedelta(days=rng.randint(30, 2000)))
            team["cso"] = person(BENCH_USERS["cso"] if is_bench else f"cso@{code}.bench.example", _name(rng))
            role(team["cso"], pk, "cso", today - timedelta(days=rng.randint(30, 2000)))
            role(person(f"governance@{code}.bench.example", _name(rng)), pk, "governance", today - timedelta(days=400))
        staff_count = max(2, min(150, round(org["_weight"] / total_weight * 4000)))
        for n in range(staff_count):
            email = BENCH_USERS["staff"] if is_bench and n == 0 else f"staff{n}@{code}.bench.example"
            uid = person(email, _name(rng))
            team["staff"].append(uid)
            role(uid, pk, "staff", today - timedelta(days=rng.randint(30, 3000)))
        people[pk] = team
        org["listed_mso"] = "" if vacant else "Current MSO"
        org["listed_mailbox"] = org["generic_mso_email"]
        org["listed_board_director"] = "Board director" if team.get("director") else ""

    details = [{"id": i, "user_id": people[o["id"]]["cso"], "job_title": "Clinical Safety Officer",
                "profession": "pharmacist", "registration_body": "gphc", "registration_number": f"{2000000 + i}"}
               for i, o in enumerate((o for o in orgs if "cso" in people[o["id"]]), start=1)]
    changes = []
    for org in orgs:
        for n in range(rng.randint(0, 3)):
            when = now - timedelta(days=rng.randint(1, 3000))
            pending = n == 0 and rng.random() < 0.1
            changes.append({"id": len(changes) + 1, "organisation_id": org["id"], "detail": "mso",
                            "value_before": "Former MSO", "value_after": "Current MSO",
                            "status": "submitted" if pending else "accepted", "requested_by_id": registry,
                            "requested_at": when, "decided_by_id": None if pending else registry,
                            "decided_at": None if pending else when + timedelta(days=3)})

    for model, rows in ((Organisation, orgs), (User, users), (RoleAssignment, roles),
                        (ProfessionalDetails, details), (ChangeOfDetailsRequest, changes)):
        copy_rows(model, rows)
    return orgs, people, bench_org


def _incidents(rng, *, orgs, people, size: int, now) -> dict:
    from incidents.demo import DESCRIPTIONS, LEARNING, MEDICINES
    from incidents.models import (
        ErrorType,
        Escalation,
        IncidentAction,
        IncidentErrorType,
        IncidentMedicine,
        MedicationIncident,
        ReferenceCounter,
        Stage,
    )
    from incidents.rules import facts_of, red_flags
    from incidents.validators import is_known_high_alert_medicine

    # When: ten years, reporting growing 8% a year; sorted so that ids follow time, as in life.
    start = now - timedelta(days=3650)
    seconds = int((now - start).total_seconds())
    years = 10
    year_weights = list(accumulate(1.08**y for y in range(years)))
    span = seconds // years
    offsets = sorted(
        (bisect(year_weights, rng.random() * year_weights[-1]) * span + rng.randrange(span)) for _ in range(size)
    )
    org_weights = list(accumulate(o["_weight"] for o in orgs))
    org_of = [orgs[min(bisect(org_weights, rng.random() * org_weights[-1]), len(orgs) - 1)] for _ in range(size)]
    harms, harm_weights = zip(*HARMS, strict=True)
    stages, error_types = Stage.values, ErrorType.values
    high_alert = {name: is_known_high_alert_medicine(name) for name, _, _ in MEDICINES}
    flags_cache, counters = {}, {}
    medicines, errors, actions, escalations = [], [], [], []
    medicine_id = error_id = action_id = escalation_id = 0

    def rows():
        nonlocal medicine_id, error_id, action_id, escalation_id
        for pk, (offset, org) in enumerate(zip(offsets, org_of, strict=True), start=1):
            when = start + timedelta(seconds=offset)
            local_year = timezone.localtime(when).year
            counters[local_year] = counters.get(local_year, 0) + 1
            team = people[org["id"]]
            physical = rng.choices(harms, harm_weights)[0]
            psychological = rng.choice(("none", "none", "low", "moderate")) if physical in ("moderate", "severe", "fatal") else "none"
            chosen = rng.sample(MEDICINES, rng.choice((1, 1, 1, 2)))
            never = "insulin_overdose" if rng.random() < 0.0005 else ""
            key = (physical, psychological, never, tuple(sorted(n for n, _, _ in chosen)))
            if key not in flags_cache:
                flags_cache[key] = red_flags(facts_of(
                    physical_harm=physical, psychological_harm=psychological, never_event=never,
                    medicines=[{"name": n, "high_alert": high_alert[n]} for n, _, _ in chosen],
                ))
            flags = flags_cache[key]
            age_days = (now - when).days
            if age_days > 45:
                status = "awaiting_actions" if rng.random() < 0.01 else "closed"
            else:
                status = rng.choice(("submitted", "in_review", "awaiting_actions", "closed"))
            reviewed = status != "submitted"
            reviewer = team.get("mso") or team.get("director") or team["staff"][0]
            anonymous = rng.random() < 0.15
            for name, route, dose in chosen:
                medicine_id += 1
                medicines.append((medicine_id, pk, name, route, dose, high_alert[name]))
            for error in rng.sample(error_types, rng.choice((1, 1, 2))):
                error_id += 1
                errors.append((error_id, pk, error))
            if flags:
                acknowledged = age_days > 14 and "director" in team
                escalation_id += 1
                escalations.append((escalation_id, pk, org["id"], "red_flag", "Red flag: " + " ".join(flags),
                                    when, (when + timedelta(days=3)).date(),
                                    when + timedelta(days=1) if acknowledged else None,
                                    team.get("director") if acknowledged else None,
                                    "Noted; bring the learning to committee." if acknowledged else ""))
            if status in ("awaiting_actions", "closed") and rng.random() < 0.3:
                action_id += 1
                done = status == "closed"
                actions.append((action_id, pk, "Share the learning at the ward safety huddle.", reviewer,
                                (when + timedelta(days=30)).date(), when + timedelta(days=20) if done else None,
                                reviewer if done else None, reviewer, when + timedelta(days=2)))
            closed = status == "closed"
            departments = TRUST_DEPARTMENTS if org["_kind"] == "nhs_trust" else SMALL_DEPARTMENTS
            yield {
                "id": pk, "reference": f"MI-{local_year}-{counters[local_year]:06d}", "organisation_id": org["id"],
                "reporter_id": None if anonymous else rng.choice(team["staff"]), "is_anonymous": anonymous,
                "follow_up_code_hash": "", "occurred_at": when - timedelta(hours=rng.randint(1, 30)),
                "department": rng.choice(departments), "stage": rng.choice(stages), "never_event": never,
                "nhs_number": "", "description": rng.choice(DESCRIPTIONS),
                "immediate_action": "Prescriber informed and patient observed.",
                "contributing_factors": rng.sample(("person", "task", "tools", "organisation", "environment"), 2),
                "wants_feedback": True,
                "reported_physical_harm": physical, "reported_psychological_harm": psychological,
                "physical_harm": physical, "psychological_harm": psychological,
                "harm_confirmed_at": when + timedelta(days=2) if reviewed else None,
                "harm_confirmed_by_id": reviewer if reviewed else None,
                "ncc_merp_category": rng.choice("BCDE") if reviewed else "",
                "high_alert": any(high_alert[n] for n, _, _ in chosen),
                "red_flags": flags, "red_flag": bool(flags), "status": status, "submitted_at": when,
                "review_started_at": when + timedelta(hours=rng.randint(2, 96)) if reviewed else None,
                "closed_at": when + timedelta(days=rng.randint(10, 40)) if closed else None,
                "learning_summary": rng.choice(LEARNING) if closed else "",
                "feedback": "Thank you for reporting. " + rng.choice(LEARNING) if closed else "",
                "feedback_given_at": when + timedelta(days=12) if closed else None,
            }

    timings = {}
    t = time.monotonic()
    copy_rows(MedicationIncident, rows())
    timings["incidents"] = round(time.monotonic() - t, 1)
    t = time.monotonic()
    copy_rows(IncidentMedicine, ({"id": i, "incident_id": p, "name": n, "route": r, "dose": d, "high_alert": h}
                                 for i, p, n, r, d, h in medicines))
    copy_rows(IncidentErrorType, ({"id": i, "incident_id": p, "error_type": e} for i, p, e in errors))
    copy_rows(Escalation, ({"id": i, "incident_id": p, "organisation_id": o, "reason": r, "message": m,
                            "raised_by_id": None, "raised_at": at, "acknowledge_by": by, "acknowledged_at": ack,
                            "acknowledged_by_id": who, "acknowledgement": note}
                           for i, p, o, r, m, at, by, ack, who, note in escalations))
    copy_rows(IncidentAction, ({"id": i, "incident_id": p, "description": d, "owner_id": o, "due_date": due,
                                "done_at": done, "done_by_id": by, "created_by_id": c, "created_at": at}
                               for i, p, d, o, due, done, by, c, at in actions))
    copy_rows(ReferenceCounter, ({"year": y, "last_number": n} for y, n in counters.items()))
    timings["children"] = round(time.monotonic() - t, 1)
    return {"medicines": len(medicines), "error_types": len(errors), "escalations": len(escalations),
            "actions": len(actions), "timings": timings}


def _hazards(rng, *, orgs, people, size: int, now) -> dict:
    from clinical_safety.models import Hazard, HazardControl, HazardLogVersion, HazardScore, HealthITSystem
    from clinical_safety.risk import MATRIX
    from clinical_safety.selectors import content_hash, hazard_log_snapshot

    trusts = [o for o in orgs if "cso" in people[o["id"]]]
    products = ["Electronic Prescribing", "Pharmacy Stock Control", "Infusion Pump Library", "Discharge Summary",
                "Theatre Scheduling", "Oncology Prescribing", "Patient Portal", "Clinical Decision Support",
                "Order Comms", "Maternity Record"]
    systems, system_id = [], 0
    for org in trusts:
        for product in rng.sample(products, rng.randint(1, 4)):
            system_id += 1
            systems.append({"id": system_id, "organisation_id": org["id"], "name": product,
                            "manufacturer": rng.choice(["Acme Health", "Northwind Clinical", "Medisys"]),
                            "version": f"{rng.randint(1, 9)}.{rng.randint(0, 20)}", "standard": "dcb0160",
                            "intended_use": f"{product} for inpatient wards.", "clinical_scope": "Adult inpatients.",
                            "cso_id": people[org["id"]]["cso"], "created_at": now - timedelta(days=rng.randint(100, 3000))})
    # Skewed sizes: the biggest systems carry a few hundred hazards.
    weights = list(accumulate(1 / (i + 3) for i in range(len(systems))))
    rng.shuffle(systems)
    # The bench trust's systems first, so its CSO reads one of the biggest hazard logs.
    bench_cso = people[_bench_org_id(orgs)]["cso"]
    systems.sort(key=lambda s: s["cso_id"] != bench_cso)
    per_system = {}
    for _ in range(size):
        s = systems[min(bisect(weights, rng.random() * weights[-1]), len(systems) - 1)]
        per_system[s["id"]] = per_system.get(s["id"], 0) + 1
    hazards, controls, scores = [], [], []
    for s in systems:
        for number in range(1, per_system.get(s["id"], 0) + 1):
            pk = len(hazards) + 1
            sev, lik = rng.randint(2, 5), rng.randint(2, 5)
            rsev, rlik = max(1, sev - rng.randint(0, 1)), max(1, lik - rng.randint(1, 2))
            initial, residual = MATRIX[lik][sev - 1], MATRIX[rlik][rsev - 1]
            hazards.append({
                "id": pk, "system_id": s["id"], "number": number, "title": f"Hazard {number} in {s['name']}",
                "description": "Wrong dose displayed when units are changed.", "causes": "Unit conversion.",
                "effect": "Overdose given.", "clinical_impact": "Patient harm.",
                "existing_controls": "Pharmacist verification.", "initial_severity": sev, "initial_likelihood": lik,
                "initial_rating": initial, "residual_severity": rsev, "residual_likelihood": rlik,
                "residual_rating": residual,
                "residual_justification": "Further reduction is impractical." if residual == 3 else "",
                "status": "open", "owner_id": s["cso_id"], "review_date": (now + timedelta(days=rng.randint(1, 365))).date(),
                "created_at": now, "updated_at": now,
            })
            scores.append({"id": pk, "hazard_id": pk, "initial_severity": sev, "initial_likelihood": lik,
                           "initial_rating": initial, "residual_severity": rsev, "residual_likelihood": rlik,
                           "residual_rating": residual, "scored_by_id": s["cso_id"], "scored_at": now})
            for _ in range(rng.randint(0, 2)):
                controls.append({"id": len(controls) + 1, "hazard_id": pk, "control_type": "design",
                                 "description": "Dose range check.", "verification": "Tested in release testing.",
                                 "verified_on": (now - timedelta(days=30)).date(), "added_by_id": s["cso_id"],
                                 "added_at": now})
    copy_rows(HealthITSystem, systems)
    copy_rows(Hazard, hazards)
    copy_rows(HazardControl, controls)
    copy_rows(HazardScore, scores)
    _reset_sequences([HealthITSystem, Hazard, HazardControl, HazardScore])
    # Each system's log issued once, so its page compares the live log with the issued version.
    versions = []
    for s in HealthITSystem.objects.select_related("organisation"):
        snapshot = hazard_log_snapshot(s)
        versions.append(HazardLogVersion(system=s, number=1, snapshot=snapshot, content_hash=content_hash(snapshot),
                                         signed_by_id=s.cso_id, signer_name="Bench CSO", signer_registration="GPhC 2071234",
                                         signed_at=now))
    HazardLogVersion.objects.bulk_create(versions, batch_size=200)
    biggest = max(per_system, key=per_system.get)
    bench_system = max((s for s in systems if s["cso_id"] == bench_cso),
                       key=lambda s: per_system.get(s["id"], 0))
    return {"systems": len(systems), "hazards": len(hazards), "controls": len(controls),
            "largest_system_hazards": per_system[biggest], "bench_system_id": bench_system["id"],
            "bench_system_hazards": per_system.get(bench_system["id"], 0)}


def _bench_org_id(orgs) -> int:
    return max(orgs, key=lambda o: o["_weight"])["id"]


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
