"""The bench dataset's incidents: ten years of medication incidents with their medicines, error types,
escalations and actions."""

import time
from bisect import bisect
from datetime import timedelta
from itertools import accumulate

from django.utils import timezone

from dataset_copy import copy_rows

TRUST_DEPARTMENTS = ["Ward 7 (Acute Medicine)", "Ward 12 (Surgery)", "Emergency Department", "Intensive Care Unit",
                     "Pharmacy Dispensary", "Paediatrics", "Maternity", "Day Oncology", "Cedar Ward (Older Adults)",
                     "Theatres", "Renal Unit", "Cardiology", "Community Nursing North", "Outpatients"]
SMALL_DEPARTMENTS = ["Dispensary", "Consulting room", "Reception", "Treatment room", "Home visit"]
HARMS = [("none", 58), ("low", 27), ("moderate", 10), ("severe", 4), ("fatal", 1)]


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
                actions.append((action_id, pk, org["id"], when, "Share the learning at the ward safety huddle.", reviewer,
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
    copy_rows(IncidentAction, ({"id": i, "incident_id": p, "organisation_id": g, "incident_submitted_at": s, "description": d,
                                "owner_id": o, "due_date": due, "done_at": done, "done_by_id": by, "created_by_id": c,
                                "created_at": at}
                               for i, p, g, s, d, o, due, done, by, c, at in actions))
    copy_rows(ReferenceCounter, ({"year": y, "last_number": n} for y, n in counters.items()))
    timings["children"] = round(time.monotonic() - t, 1)
    return {"medicines": len(medicines), "error_types": len(errors), "escalations": len(escalations),
            "actions": len(actions), "timings": timings}
