"""The bench dataset's hazard logs: the trusts' health IT systems, their hazards, controls and scores, and
each log issued once."""

from bisect import bisect
from datetime import timedelta
from itertools import accumulate

from dataset_copy import _reset_sequences, copy_rows


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
