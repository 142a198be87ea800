"""The bench dataset's organisations and people: the registry's organisations with their reporting
weights, the users (the bench accounts among them) and their role assignments, with history."""

from datetime import timedelta

from django.utils import timezone

from dataset_copy import copy_rows

REGIONS = ["london", "south_west", "south_east", "midlands", "east_of_england", "north_west", "north_east_yorkshire"]
TYPE_COUNTS = [("icb", 42), ("nhs_trust", 220), ("gp_practice", 150), ("community_pharmacy", 70),
               ("independent_provider", 18)]
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
