"""Every form, driven through its real view by Hypothesis with hostile and random values.

For each form: its valid baseline is accepted first (so the fuzzer reaches the code that saves);
then each example replaces some fields with hostile values (fuzz.py) and asserts that
  - the server never fails (the test client raises any exception a view lets out: a 500),
  - a refused form says what is wrong (field errors, an error summary, or an error message),
  - what was accepted and stored is shown escaped, on the page that shows it and on the form.
Each example runs in a savepoint that is rolled back, so every example starts from the same world.
The number of inputs tried is counted per form and printed at the end of the run.
"""

import json
import os
import time
from datetime import timedelta

from urllib.parse import urlencode

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from users.models import User

from . import fuzz
from .fuzz import FormCase
from .fuzz_files import fuzzed_hazard_log, fuzzed_registry_csv, registry_csv
from .fuzz_lists import LIST_CASES
from .world import ROLES, build_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """One demo world for every form in this module, rolled back at the end."""
    from django.test import override_settings

    # The same fast hasher as every test (conftest.py), set here because this runs before that fixture.
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield World(_fuzz_world())
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


class World(dict):
    def __repr__(self):  # Hypothesis prints the arguments of a failing example: keep it short
        return "<the fuzz world>"


def _fuzz_world() -> dict:
    from incidents import services as incidents
    from mso_registry.models import ChangeOfDetailsRequest, Handover, Organisation
    from mso_registry.services import change_request_create
    from tests.factories import UserFactory

    records = build_world()
    riverside, hillside = records["R9R"].organisation, records["R9H"].organisation
    w = dict(records["R9R"].objects)
    w["riverside"], w["hillside"] = riverside, hillside
    w["people"] = {role: User.objects.get(email=email) for role, email in ROLES.items() if email}
    # An incident with no harm: not escalated yet, so escalating it is allowed.
    w["quiet_incident"], _ = incidents.incident_report(
        reporter=w["people"]["staff"], organisation=riverside, anonymous=False,
        occurred_at=timezone.now() - timedelta(hours=2), department="Pharmacy", stage="dispensing",
        error_types=["wrong_medicine"], physical_harm="none", psychological_harm="none",
        description="Quiet incident.", medicines=[{"name": "Paracetamol", "route": "oral", "dose": "1 g"}],
    )  # fmt: skip
    w["anonymous_incident"], w["follow_up_code"] = incidents.incident_report(
        reporter=w["people"]["staff"], organisation=riverside, anonymous=True,
        occurred_at=timezone.now() - timedelta(hours=2), department="Ward 2", stage="prescribing",
        error_types=["overdose"], physical_harm="none", psychological_harm="none",
        description="Anonymous incident.", medicines=[{"name": "Morphine", "route": "oral", "dose": "10 mg"}],
    )  # fmt: skip
    w["newcomer"] = UserFactory(email="newcomer@riverside.example")
    w["change_request"] = change_request_create(
        actor=w["people"]["mso"], organisation=riverside, detail=ChangeOfDetailsRequest.Detail.MAILBOX,
        value_after="fuzz.mailbox@riverside.example",
    )
    open_ids = Handover.objects.exclude(status__in=["completed", "cancelled"]).values("organisation")
    w["no_handover"] = (
        Organisation.objects.exclude(pk__in=open_ids).filter(role_assignments__role="mso", role_assignments__end_date=None)
        .exclude(organisation_type="icb").order_by("ods_code").first()
    )  # fmt: skip
    w["json_export"] = _json_export(w)
    return w


def _json_export(w) -> dict:
    """A manufacturer's (DCB0129) issued hazard log, the only kind a deployer imports."""
    from clinical_safety import services as clinical_safety
    from clinical_safety.tests.conftest import hazard_details

    cso = w["people"]["cso"]
    system = clinical_safety.system_create(
        actor=cso, organisation=w["riverside"],
        details={"name": "Fuzz DoseWise", "manufacturer": "Example Ltd", "version": "2.0", "standard": "dcb0129",
                 "intended_use": "Dose calculation.", "clinical_scope": "Adults.", "cso": cso},
    )  # fmt: skip
    clinical_safety.hazard_create(actor=cso, system=system, details=hazard_details(title="Rounding error"))
    version = clinical_safety.hazard_log_issue(actor=cso, system=system, note="For import")
    client = Client()
    client.force_login(cso)
    return json.loads(client.get(reverse("clinical_safety:hazard_log_version_json", args=[version.pk])).content)


_today = fuzz.iso_day


def _report(w) -> dict:
    when = timezone.localtime() - timedelta(hours=2)
    return {
        "occurred_on": when.date().isoformat(), "occurred_time": when.strftime("%H:%M"), "department": "Ward 7",
        "stage": "administering", "error_types": "overdose", "physical_harm": "low", "psychological_harm": "none",
        "never_event": "", "description": "Insulin 40 units given instead of 4 units.", "immediate_action": "Doctor told.",
        "nhs_number": "943 476 5919", "wants_feedback": "on",
        "medicines-TOTAL_FORMS": "1", "medicines-INITIAL_FORMS": "0", "medicines-MIN_NUM_FORMS": "1",
        "medicines-MAX_NUM_FORMS": "10", "medicines-0-name": "Insulin aspart", "medicines-0-route": "subcutaneous",
        "medicines-0-dose": "40 units",
    }  # fmt: skip


def _hazard(w) -> dict:
    return {
        "title": "Wrong patient selected", "description": "Similar names.", "causes": "Small touch targets.",
        "effect": "Wrong record.", "clinical_impact": "Wrong medicine given.", "existing_controls": "Banner.",
        "initial_severity": "4", "initial_likelihood": "3", "residual_severity": "4", "residual_likelihood": "1",
        "residual_justification": "", "status": "open", "owner": "", "actions": "", "review_date": _today(90),
    }  # fmt: skip


def _system(w) -> dict:
    return {
        "name": "Fuzz EPMA", "manufacturer": "Example Ltd", "version": "4.2", "standard": "dcb0160",
        "intended_use": "Prescribing.", "clinical_scope": "Adults.", "cso": w["people"]["cso"].pk,
    }  # fmt: skip


def _safety_case(w) -> dict:
    return {
        "release": "Version 4.2", "scope": "Adult wards.", "intended_use": "Prescribing.",
        "hazard_log_version": w["hazard_log_version"].pk, "outstanding_actions": "", "conclusion": "Safe to deploy.",
    }  # fmt: skip


def _ref(name, key="incident"):
    return lambda w: reverse(name, args=[w[key].reference])


def _pk(name, key):
    return lambda w: reverse(name, args=[w[key].pk])


CASES = [
    # --- incidents
    FormCase("incident report", "staff", lambda w: reverse("incidents:incident_report"), _report,
             shows=lambda w: ("mso", reverse("incidents:incident_detail", args=[_latest_incident().reference]))),
    FormCase("incident grade", "mso", _ref("incidents:incident_grade"),
             lambda w: {"physical_harm": "severe", "psychological_harm": "none", "ncc_merp_category": "",
                        "never_event": "", "note": "Confirmed on review."}),
    FormCase("learning summary", "mso", _ref("incidents:incident_learning"),
             lambda w: {"learning_summary": "Check units on insulin."}),
    FormCase("incident action", "mso", _ref("incidents:incident_action_add"),
             lambda w: {"description": "Audit insulin charts", "owner": w["people"]["mso"].pk, "due_date": _today(14)}),
    FormCase("feedback to the reporter", "mso", _ref("incidents:incident_feedback"),
             lambda w: {"feedback": "Thank you for reporting."}),
    FormCase("escalation to the director", "mso", _ref("incidents:incident_escalate", "quiet_incident"),
             lambda w: {"message": "Please look at this."},
             shows=lambda w: ("mso", reverse("incidents:incident_detail", args=[w["quiet_incident"].reference]))),
    FormCase("escalation acknowledgement", "director", _pk("incidents:escalation_acknowledge", "escalation"),
             lambda w: {"comment": "Seen; the board will discuss it."}),
    FormCase("duty of candour in person", "mso", _ref("incidents:candour_in_person"),
             lambda w: {"relevant_person": "the patient", "told_on": _today(), "told_by": "Dr A Shah",
                        "apology_given": "on", "note": "Explained what happened and apologised."},
             shows=lambda w: ("mso", reverse("incidents:candour_detail", args=[w["incident"].reference]))),
    FormCase("duty of candour letter", "mso", _ref("incidents:candour_letter"),
             lambda w: {"letter_text": "Dear Mr Patel,\nWe are sorry.", "save": "1"}),
    FormCase("duty of candour reason why not", "mso", _ref("incidents:candour_not_possible"),
             lambda w: {"reason": "not_contactable", "recorded_on": _today(), "note": "Three calls and a letter."}),
    FormCase("response plan rule", "mso", lambda w: reverse("incidents:response_plan"),
             lambda w: {"organisation": w["riverside"].pk, "name": "Omitted time-critical medicines",
                        "response_type": "thematic", "order": "20", "error_type": "omitted_delayed",
                        "minimum_harm": "", "stage": "", "medicine_contains": "levodopa"}),
    FormCase("learning response commission", "mso", _ref("incidents:response_commission", "quiet_incident"),
             lambda w: {"response_type": "swarm", "title": "Huddle on the dispensing error", "lead": w["people"]["mso"].pk,
                        "participants": "Pharmacy team", "reason": "Learning is quickest with the team on shift."}),
    FormCase("learning response record", "mso", _pk("incidents:response_detail", "learning_response"),
             lambda w: {"participants": "Ward 7 nurses", "patient_family_engagement": "Met the patient.",
                        "staff_engagement": "AAR on the ward.", "findings": "Two pens looked alike."},
             shows=lambda w: ("mso", reverse("incidents:response_detail", args=[w["learning_response"].pk]))),
    FormCase("anonymous follow-up", "anonymous", lambda w: reverse("incidents:incident_follow_up"),
             lambda w: {"reference": w["anonymous_incident"].reference, "code": w["follow_up_code"]},
             accepted_renders=True),
    FormCase("learning bulletin", "mso", lambda w: reverse("incidents:bulletin_create"),
             lambda w: {"organisation": w["riverside"].pk, "title": "What we learned", "body": "Check the units."}),
    # --- the MSO registry
    FormCase("organisation record (registry)", "registry_admin", lambda w: reverse("mso_registry:organisation_edit", args=["R9R"]),
             lambda w: {"name": w["riverside"].name, "ods_code": "R9R", "organisation_type": w["riverside"].organisation_type,
                        "region": w["riverside"].region, "icb": w["riverside"].icb_id or "",
                        "generic_mso_email": "medication.safety@riverside.example"},
             shows=lambda w: ("registry_admin", reverse("mso_registry:organisation_detail", args=["R9R"]))),
    FormCase("organisation mailbox (MSO)", "mso", lambda w: reverse("mso_registry:organisation_edit", args=["R9R"]),
             lambda w: {"generic_mso_email": "medicines.safety@riverside.example"}),
    FormCase("role assignment", "mso", lambda w: reverse("mso_registry:organisation_detail", args=["R9R"]),
             lambda w: {"email": "newcomer@riverside.example", "role": "staff", "start_date": _today()}),
    FormCase("professional details", "staff", _pk("mso_registry:person_detail", "person"),
             lambda w: {"job_title": "Staff nurse", "profession": "nurse", "registration_body": "nmc",
                        "registration_number": "12A3456B", "work_phone": "0161 496 0000"}),
    FormCase("clinical safety training", "cso", lambda w: reverse("mso_registry:person_detail", args=[w["people"]["cso"].pk]),
             lambda w: {"course": "Clinical safety foundation", "provider": "NHS England", "completed_on": _today(-10),
                        "evidence_note": "Certificate on file."}),
    # The name is shown on the clients page (escaped); the token only on the answer that made it.
    FormCase("API client (national)", "registry_admin", lambda w: reverse("api:client_list"),
             lambda w: {"organisation": "national", "name": "NHS directory feed", "scopes": ["directory:read"]},
             accepted_renders=True, shows=lambda w: ("registry_admin", reverse("api:client_list"))),
    FormCase("registry CSV import", "registry_admin", lambda w: reverse("mso_registry:organisation_import"),
             lambda w: {"file": registry_csv([["RXX", "Fuzz Hospital NHS Trust", "nhs_trust", "london", "", "mso@fuzz.example"]])},
             file_field="file", accepted_renders=True, fuzz_file=lambda w: fuzzed_registry_csv),
    FormCase("change request query", "registry_admin",
             lambda w: reverse("mso_registry:change_request_decide", args=[w["change_request"].pk, "query"]),
             lambda w: {"reason": "Is this the shared mailbox?"}),
    FormCase("handover start", "registry_admin",
             lambda w: reverse("mso_registry:handover_start", args=[w["no_handover"].ods_code]),
             lambda w: {"successor_email": "newcomer@riverside.example", "successor_name": "", "leaving_date": _today(30),
                        "successor_start_date": _today(31), "covering_deputy": ""}),
    FormCase("handover item", "mso", _pk("mso_registry:handover_item_update", "handover_item"),
             lambda w: {f"item{w['handover_item'].pk}-done": "on", f"item{w['handover_item'].pk}-evidence": "Done."},
             shows=lambda w: ("mso", reverse("mso_registry:handover_detail", args=[w["handover"].pk]))),
    FormCase("handover cancel", "mso", lambda w: reverse("mso_registry:handover_transition", args=[w["handover"].pk, "cancel"]),
             lambda w: {"reason": "The successor withdrew."},
             shows=lambda w: ("mso", reverse("mso_registry:handover_detail", args=[w["handover"].pk]))),
    FormCase("national communication", "registry_admin", lambda w: reverse("mso_registry:communication_create"),
             lambda w: {"kind": "action_required", "title": "Insulin pens", "body": "Check your stock.",
                        "action_required_by": _today(30), "region": "", "organisation_type": "", "icb": ""}),
    FormCase("communication acknowledgement", "mso",
             lambda w: reverse("mso_registry:communication_acknowledge", args=[w["communication_copy"].pk, "received"]),
             lambda w: {"note": "Stock checked on every ward."},
             shows=lambda w: ("mso", reverse("mso_registry:communication_detail", args=[w["communication"].pk]))),
    # --- clinical safety
    FormCase("health IT system", "cso", lambda w: reverse("clinical_safety:system_create", args=["R9R"]), _system),
    FormCase("health IT system edit", "cso", _pk("clinical_safety:system_edit", "system"), _system),
    FormCase("hazard", "cso", _pk("clinical_safety:hazard_create", "system"), _hazard),
    FormCase("hazard edit", "cso", _pk("clinical_safety:hazard_edit", "hazard"), _hazard),
    FormCase("hazard control", "cso", _pk("clinical_safety:hazard_detail", "hazard"),
             lambda w: {"control_type": "design", "description": "Two identifiers on every screen.",
                        "verification": "Tested in UAT.", "verified_on": _today(-1)}),
    FormCase("hazard log issue", "cso", _pk("clinical_safety:hazard_log_issue", "system"),
             lambda w: {"note": "Quarterly review.", "confirm": "on"}),
    FormCase("hazard log import", "cso", _pk("clinical_safety:hazard_log_import", "system"),
             lambda w: {"file": json.dumps(w["json_export"]).encode()}, file_field="file",
             fuzz_file=fuzzed_hazard_log),
    FormCase("safety case", "cso", _pk("clinical_safety:safety_case_create", "system"), _safety_case),
    FormCase("safety case edit", "cso", _pk("clinical_safety:safety_case_edit", "safety_case"), _safety_case),
    FormCase("safety case decision", "governance", _pk("clinical_safety:safety_case_decide", "submitted_safety_case"),
             lambda w: {"decision": "reject", "comments": "Add the ward list."}),
    # --- accounts
    FormCase("sign-up", "anonymous", lambda w: reverse("account_signup"),
             lambda w: {"email": "new.person@riverside.example", "password1": "a-long-Passphrase-42",
                        "password2": "a-long-Passphrase-42"}),
    FormCase("sign-in", "anonymous", lambda w: reverse("account_login"),
             lambda w: {"login": "staff@riverside.example", "password": "medsafety-demo"}),
    FormCase("password reset", "anonymous", lambda w: reverse("account_reset_password"),
             lambda w: {"email": "staff@riverside.example"}),
    *LIST_CASES,  # every list, filter and download, by its query string
]


def _latest_incident():
    from incidents.models import MedicationIncident

    return MedicationIncident.objects.order_by("-pk").first()


def _client(w, role) -> Client:
    client = Client()  # raises whatever a view lets out, so a server error fails the test with its traceback
    if role != "anonymous":
        client.force_login(w["people"][role])
    return client


def _send(client, case, url, data):
    if case.method == "GET":
        response = client.get(url, data)
        if response.streaming:  # a download fails while it streams, after the view has returned
            response.streamed = b"".join(response.streaming_content)
        return response
    # A browser always sends the form's CSRF token (the test client does not check it), so even a form
    # with every field left out arrives as a bound, non-empty POST.
    data = {"csrfmiddlewaretoken": "sent-by-every-browser", **data}
    if case.file_field:
        from django.core.files.uploadedfile import SimpleUploadedFile

        data = dict(data)
        content = data.pop(case.file_field, None)
        if content is not None:
            data[case.file_field] = SimpleUploadedFile("upload.csv", content if isinstance(content, bytes) else str(content).encode())
    return client.post(url, data)


def _judge(case, w, viewer, response, data, changed) -> None:
    values = [v for value in data.values() for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)]
    if response.status_code == 429:  # allauth's rate limit on sign-up and sign-in: its page says why
        assert "too many requests" in response.text.lower(), f"{case.name}: a 429 that does not say why"
        return
    if response.status_code == 404 and case.not_found_for in changed:
        return
    assert response.status_code in (200, 302, 400), f"{case.name}: {response.status_code} for {changed}"
    if response.status_code == 302:
        # A signed-in role sent to sign in would mean the example never reached the form.
        assert case.role == "anonymous" or not response["Location"].startswith("/accounts/login/"), f"{case.name}: signed out"
        problems = fuzz.error_messages(response)
        if problems:
            assert all(p.strip() for p in problems), f"{case.name}: an empty error message"
            return
        # Accepted: the page that shows it must show it escaped.
        url = case.shows(w)[1] if case.shows else response["Location"]
        page = viewer.get(url)
        assert page.status_code in (200, 302), f"{case.name}: {url} answered {page.status_code} after {changed}"
        assert not fuzz.raw_markup_in(page.text if page.status_code == 200 else "", values), f"{case.name}: unescaped on {url}"
        return
    html = response.text if response.get("Content-Type", "").startswith("text/html") and not response.streaming else ""
    assert not fuzz.raw_markup_in(html, values), f"{case.name}: the form came back with our markup unescaped"
    if not case.accepted_renders and case.method == "POST":
        assert fuzz.says_what_is_wrong(html), f"{case.name}: refused {changed} without saying what is wrong"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_valid_form_is_accepted(case, world, db):
    """The baseline the fuzzer starts from is accepted: the fuzzer reaches the code that stores."""
    client = _client(world, case.role)
    response = _send(client, case, case.url(world), case.baseline(world))
    if case.accepted_renders:
        html = response.text if response["Content-Type"].startswith("text/html") else ""  # or a download
        assert response.status_code == 200 and not fuzz.says_what_is_wrong(html.replace("Too many", "")), case.name
    else:
        assert response.status_code == 302, f"{case.name}: {response.status_code} {fuzz.strip_to_text(response.text)[:2000]}"
        assert not fuzz.error_messages(response), fuzz.error_messages(response)


# FUZZ_SIGN_IN_AGAIN_SECONDS=1 makes a short run sign in again as often as a long one does.
SIGN_IN_AGAIN_SECONDS = float(os.environ.get("FUZZ_SIGN_IN_AGAIN_SECONDS", 600))


@pytest.fixture
def clients(world, db):
    """One signed-in client per role for all the examples of a test (each example is rolled back, the
    sign-in is not). Signed in again every 10 minutes: a request's renewal of the session is rolled
    back with its example, so in a long `make fuzz` the session would end after its 30 idle minutes.
    Only outside an example's savepoint: a sign-in inside one would be rolled back with the example,
    and every later example would be answered with the sign-in page (seen once, in a 100,000-input run)."""
    made, depth = {}, len(connection.savepoint_ids)

    def get(role):
        if role not in made or time.monotonic() - made[role][1] > SIGN_IN_AGAIN_SECONDS:
            assert len(connection.savepoint_ids) == depth, f"{role} signed in inside an example's savepoint"
            made[role] = (_client(world, role), time.monotonic())
        return made[role][0]

    return get


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input_never_fails_and_is_answered_clearly(case, world, clients):
    """Hostile values in the body and the query string. Every failure is counted and the run goes on,
    so that `make fuzz` reports each server error it found (with how often) instead of the first."""

    @fuzz.fuzz_settings(len(CASES))
    @given(draw=st.data())
    def example(draw):
        data, changed = fuzz.hostile_form(draw.draw, case.baseline(world))
        if case.fuzz_file and draw.draw(st.booleans()):
            data[case.file_field] = case.fuzz_file(world)(draw.draw)
            changed.add(case.file_field)
        url = case.url(world)
        if draw.draw(st.integers(0, 3)) == 0:  # parameters in the query string too, of any name
            query = fuzz.hostile_query(draw.draw)
            if case.method == "GET":
                data.update(query)
            else:
                url += "?" + urlencode(query, doseq=True)
            changed.update(query)
        fuzz.TRIED[case.name] += 1
        if fuzz.TRIED[case.name] % 250 == 0:
            fuzz.write_figures()
        # Both signed in here, outside the example's savepoint, so that the sign-ins stay.
        client = clients(case.role)
        viewer = clients(case.shows(world)[0]) if case.shows else client
        try:
            with transaction.atomic():
                response = _send(client, case, url, data)
                _judge(case, world, viewer, response, data, changed)
                transaction.set_rollback(True)
        except Exception as error:  # noqa: BLE001 - every failure is counted and shown at the end
            fuzz.record(case.name, error, case.method, url, data)

    example()
    fuzz.write_figures()
    found = fuzz.findings_for(case.name)
    assert not found, f"{case.name}: " + "\n  ".join(found)


SCRIPT = fuzz.MARKUP[0]
SCRIPT_ESCAPED = "&lt;script&gt;alert(&#x27;medsafety&#x27;)&lt;/script&gt;"
STORED_TEXT = [
    ("incident report", ["description", "department", "medicines-0-name"]),
    ("learning summary", ["learning_summary"]),
    ("feedback to the reporter", ["feedback"]),
    ("incident action", ["description"]),
    ("learning bulletin", ["title", "body"]),
    ("professional details", ["job_title"]),
    ("handover item", ["__evidence"]),
    ("national communication", ["title", "body"]),
    ("hazard", ["title", "description"]),
    ("hazard control", ["description"]),
    ("health IT system", ["name", "intended_use"]),
    ("safety case", ["release", "scope"]),
]


@pytest.mark.parametrize("name,fields", STORED_TEXT, ids=[n for n, _ in STORED_TEXT])
def test_stored_text_is_shown_escaped(name, fields, world, db):
    """A script typed into a text field is stored as typed and shown as text, never run."""
    case = next(c for c in CASES if c.name == name)
    data = case.baseline(world)
    for field_name in fields:
        key = next(k for k in data if k.endswith(field_name.lstrip("_")))
        data[key] = f"{SCRIPT} in {field_name}"
    client = _client(world, case.role)
    response = _send(client, case, case.url(world), data)
    assert response.status_code == 302 and not fuzz.error_messages(response), name
    role, url = case.shows(world) if case.shows else (case.role, response["Location"])
    page = _client(world, role).get(url).text
    assert SCRIPT not in page
    for field_name in fields:
        assert f"{SCRIPT_ESCAPED} in {field_name}" in page, f"{name}: {field_name} is not shown on {url}"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_nul_characters_are_refused_with_a_message_and_never_stored(case, world, db):
    """PostgreSQL cannot store NUL, and a browser can send it: every field carrying one is refused
    with a message (a filter just ignores it), never passed on to the database."""
    data = {k: (v + "\x00" if isinstance(v, str) else v) for k, v in case.baseline(world).items()}
    if case.file_field:
        data[case.file_field] = b"\x00" + case.baseline(world)[case.file_field]
    response = _send(_client(world, case.role), case, case.url(world), data)
    if case.method == "GET":  # a filter ignores it and says so; a download goes back to the filters
        assert response.status_code == 200 or (response.status_code == 302 and fuzz.error_messages(response)), case.name
        return
    assert response.status_code in (200, 302, 400, 429), case.name
    if response.status_code == 302:
        assert fuzz.error_messages(response), f"{case.name}: accepted a NUL character"
    else:
        assert fuzz.says_what_is_wrong(response.text), f"{case.name}: refused without saying why"


def test_the_fuzzer_signs_in_only_outside_an_example(clients, world):
    """A sign-in inside an example's savepoint is rolled back with it: the harness refuses to make one."""
    with pytest.raises(AssertionError, match="inside an example's savepoint"), transaction.atomic():
        clients("mso")
    clients("mso")
    with transaction.atomic():  # signed in outside, the client stays signed in inside an example
        page = clients("mso").get(reverse("mso_registry:handover_detail", args=[world["handover"].pk]))
        assert page.status_code == 200
