"""Hostile uploads for the fuzzer (test_fuzzed_forms.py): a registry CSV with hostile cells and
broken starts, and a manufacturer's hazard log whose JSON is reshaped, with its hash recomputed."""

import json

from hypothesis import strategies as st

from . import fuzz


def registry_csv(rows) -> bytes:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["ods_code", "name", "organisation_type", "region", "icb_ods_code", "generic_mso_email"])
    writer.writerows(rows)
    return out.getvalue().encode()


def fuzzed_registry_csv(draw) -> bytes:
    row = ["RXX", "Fuzz Hospital NHS Trust", "nhs_trust", "london", "", "mso@fuzz.example"]
    for column in draw(st.lists(st.integers(0, 5), min_size=1, max_size=3, unique=True)):
        row[column] = draw(fuzz.HOSTILE)
    content = registry_csv([row] * draw(st.integers(1, 3)))
    if draw(st.booleans()):
        content = draw(st.sampled_from([b"\x00\x00", b"\xff\xfe", b"\r", b'"', b"=cmd|' /C calc'!A0,"])) + content
    return content


def fuzzed_hazard_log(w):
    def make(draw) -> bytes:
        document = json.loads(json.dumps(w["json_export"]))
        log = document["hazard_log"]
        if draw(st.booleans()) and log.get("hazards"):
            hazard = log["hazards"][0]
            for key in draw(st.lists(st.sampled_from(sorted(hazard)), min_size=1, max_size=3, unique=True)):
                hazard[key] = draw(st.one_of(fuzz.HOSTILE, st.none(), st.integers(-(10**20), 10**20), st.just([])))
        else:
            key = draw(st.sampled_from(sorted(log)))
            log[key] = draw(st.one_of(fuzz.HOSTILE, st.none(), st.just({}), st.just([])))
        from clinical_safety.selectors import content_hash

        if draw(st.integers(0, 3)):
            document["content_hash"] = content_hash(log)  # an attacker can compute the hash too
        return json.dumps(document, ensure_ascii=draw(st.booleans())).encode()

    return make
