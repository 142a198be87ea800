"""The world the permission matrix walks: the demo organisations and accounts (seed_demo), and one
object of every kind that a URL can name, for Riverside and for Hillside, made through the services.

`objects_of(world, "R9R")` answers "which Riverside record does this URL kwarg mean?"; the matrix
fills each URL pattern's kwargs from it (see permission_table.KWARGS).

Every text field of Hillside's records (incident, medicine, action, learning, feedback, grade note,
bulletins, system, hazard, control, issued log, safety cases, handover evidence, change request,
its answer to a national communication, the organisation's record, its people's names) holds a
marker, HILLSIDE-SECRET-<field>: the matrix asserts that no page a Riverside role (or a signed-out
visitor) receives contains one."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from board_reports import services as board_reports
from board_reports.selectors import months_before
from clinical_safety import services as clinical_safety
from clinical_safety.models import Standard
from incidents import psirf_services
from incidents import services as incidents
from mso_registry.models import ChangeOfDetailsRequest, Handover, Organisation, Role, RoleAssignment
from tests.factories import RoleAssignmentFactory, UserFactory
from users.models import User

# The demo roles the matrix signs in as; "hillside_mso" is the stranger to Riverside's records.
ROLES = {
    "anonymous": None,
    "staff": "staff@riverside.example",
    "mso": "mso@riverside.example",
    "director": "director@riverside.example",
    "cso": "cso@riverside.example",
    "governance": "governance@riverside.example",
    "hillside_mso": "mso@hillside.example",
    "registry_admin": "registry@medsafety.example",
}


MARKER = "HILLSIDE-SECRET"  # compared without case: an email address holds it in lower case


def _text(organisation):
    """text(field, usual): Riverside's records read as usual; each of Hillside's carries the marker."""
    if organisation.ods_code == "R9H":
        return lambda field, usual=None: f"{MARKER}-{field}"
    return lambda field, usual=None: usual


@dataclass
class Records:
    organisation: Organisation
    objects: dict = field(default_factory=dict)


def _report(reporter, organisation, text):
    incident, _ = incidents.incident_report(
        reporter=reporter, organisation=organisation, anonymous=False,
        occurred_at=timezone.now() - timedelta(hours=3), department=text("department", "Ward 7"), stage="administering",
        error_types=["overdose"], physical_harm="severe", psychological_harm="none",
        description=text("description", "Matrix incident."), immediate_action=text("immediate_action", ""),
        medicines=[{"name": text("medicine", "Insulin aspart"), "route": "subcutaneous", "dose": text("dose", "40 units")}],
    )  # fmt: skip
    return incident


def _review(incident, mso, text):
    """The MSO's learning and feedback (Hillside's only: Riverside's incident keeps the table's state)."""
    incidents.incident_learning_record(incident=incident, actor=mso, learning_summary=text("learning_summary"))
    incidents.incident_feedback_give(incident=incident, actor=mso, feedback=text("feedback"))


HAZARD_TEXT = ["title", "description", "causes", "effect", "clinical_impact", "existing_controls",
               "residual_justification", "actions"]  # fmt: skip
SAFETY_CASE_TEXT = ["release", "scope", "intended_use", "outstanding_actions", "conclusion"]


def _clinical_safety(organisation, cso, text):
    from clinical_safety.tests.conftest import hazard_details, make_fit_to_sign, safety_case_details

    make_fit_to_sign(cso)
    system = clinical_safety.system_create(
        actor=cso, organisation=organisation,
        details={"name": text("system_name", f"Matrix EPMA {organisation.ods_code}"),
                 "manufacturer": text("manufacturer", "Example Ltd"), "version": text("version", "1"),
                 "standard": Standard.DCB0160, "intended_use": text("system_intended_use", "Prescribing."),
                 "clinical_scope": text("clinical_scope", "Adults."), "cso": cso},
    )  # fmt: skip
    usual = hazard_details()
    hazard = clinical_safety.hazard_create(
        actor=cso, system=system, details={**usual, **{f: text(f"hazard_{f}", usual[f]) for f in HAZARD_TEXT}}
    )
    clinical_safety.hazard_control_add(actor=cso, hazard=hazard, details={
        "control_type": "design", "description": text("control", "Two identifiers on every screen."),
        "verification": text("verification", "Tested."), "verified_on": None,
    })  # fmt: skip
    version = clinical_safety.hazard_log_issue(actor=cso, system=system, note=text("issue_note", "Matrix issue"))

    def case_details():
        usual = safety_case_details(version)
        return {**usual, **{f: text(f"case_{f}", usual[f]) for f in SAFETY_CASE_TEXT}}

    case = clinical_safety.safety_case_draft(actor=cso, system=system, details=case_details())
    # A second case, signed and sent to governance, so that deciding on it can be asked for.
    submitted = clinical_safety.safety_case_submit(
        actor=cso, report=clinical_safety.safety_case_draft(actor=cso, system=system, details=case_details())
    )
    return {"system": system, "hazard": hazard, "hazard_log_version": version, "safety_case": case,
            "submitted_safety_case": submitted, "cso": cso,
            "cso_training": cso.clinical_safety_training.first()}  # fmt: skip


def build_world() -> dict[str, Records]:
    call_command("seed_demo", incidents=0, verbosity=0, stdout=open("/dev/null", "w"))
    riverside = Organisation.objects.get(ods_code="R9R")
    hillside = Organisation.objects.get(ods_code="R9H") if Organisation.objects.filter(ods_code="R9H").exists() else None
    assert hillside is not None, "the demo data has no Hillside (R9H)"
    people = {role: User.objects.get(email=email) for role, email in ROLES.items() if email}

    hillside_cso = User.objects.filter(email="cso@hillside.example").first()
    if hillside_cso is None:
        hillside_cso = UserFactory(email="cso@hillside.example")
        RoleAssignmentFactory(user=hillside_cso, organisation=hillside, role=Role.CSO)

    world = {}
    for organisation, reporter, mso, cso in [
        (riverside, people["staff"], people["mso"], people["cso"]),
        (hillside, people["hillside_mso"], people["hillside_mso"], hillside_cso),
    ]:
        records, text = Records(organisation), _text(organisation)
        incident = _report(reporter, organisation, text)
        records.objects["incident"] = incident
        records.objects["escalation"] = incident.escalations.first()
        # Graded severe on review: a notifiable safety incident, so it has a duty of candour record.
        incidents.incident_grade(incident=incident, actor=mso, physical_harm="severe", psychological_harm="none",
                                 note=text("grade_note", "Matrix grade."))
        # A response plan rule, and an AAR commissioned from its suggestion (PSIRF).
        records.objects["plan_rule"] = psirf_services.plan_rule_add(
            actor=mso, organisation=organisation,
            details={"name": text("plan_rule", "High-alert medicine"), "response_type": "aar", "order": 1, "high_alert": True},
        )
        records.objects["learning_response"] = psirf_services.response_commission(
            actor=mso, incidents=[incident], response_type="aar", title=text("response_title", "Matrix AAR"), lead=mso,
        )
        records.objects["action"] = incidents.incident_action_add(
            incident=incident, actor=mso, description=text("action", "Check insulin syringes"), owner=mso,
            due_date=timezone.localdate() + timedelta(days=7),
        )
        records.objects["bulletin"] = incidents.bulletin_create(
            actor=mso, organisation=organisation, title=text("bulletin_title", "What we learned"),
            body=text("bulletin_body", "Check the units."),
        )
        if organisation == hillside:
            _review(incident, mso, text)
            published = incidents.bulletin_create(actor=mso, organisation=organisation, title=text("published_title"),
                                                  body=text("published_body"))  # fmt: skip
            incidents.bulletin_publish(actor=mso, bulletin=published)
        records.objects.update(_clinical_safety(organisation, cso, text))
        records.objects["board_report"] = board_reports.board_report_prepare(
            organisation=organisation, month=months_before(timezone.localdate().replace(day=1), 1)
        )[0]
        records.objects["person"] = reporter
        records.objects["role_assignment"] = RoleAssignment.objects.current().filter(
            organisation=organisation, user=reporter
        ).first()
        records.objects["handover"] = Handover.objects.filter(organisation=organisation).first()
        records.objects["change_request"] = ChangeOfDetailsRequest.objects.filter(organisation=organisation).first()
        world[organisation.ods_code] = records

    _national_communication(world, people["registry_admin"])
    _fill_missing(world, people)
    _mark_hillside(world["R9H"], people)
    return world


def _mark_hillside(records, people):
    """The rest of Hillside's text: its record, its people, its handover evidence, its change request
    and its answer to the national communication."""
    from mso_registry.models import ProfessionalDetails
    from mso_registry.services import organisation_update
    from mso_registry.services.communications import communication_acknowledge
    from mso_registry.services.handover import handover_item_update

    hillside, text = records.organisation, _text(records.organisation)
    organisation_update(actor=people["registry_admin"], organisation=hillside, name=text("organisation_name"),
                        generic_mso_email=f"{MARKER.lower()}-mailbox@hillside.example")  # fmt: skip
    people_there = RoleAssignment.objects.filter(organisation=hillside).values("user")
    User.objects.filter(pk__in=people_there).update(full_name=text("person_name"))
    ProfessionalDetails.objects.filter(user__in=people_there).update(job_title=text("job_title"))
    handover_item_update(actor=people["registry_admin"], item=records.objects["handover_item"], done=True,
                         evidence=text("handover_evidence"))  # fmt: skip
    ChangeOfDetailsRequest.objects.filter(pk=records.objects["change_request"].pk).update(value_after=text("change_request"))
    copy = records.objects["communication_copy"]
    communication_acknowledge(actor=people["hillside_mso"], recipient=copy, state="completed", note=text("acknowledgement"))
    for name in ("incident", "handover_item", "change_request", "communication_copy", "hazard", "system", "person"):
        records.objects[name].refresh_from_db()


def _national_communication(world, registry_admin):
    from mso_registry.models import CommunicationRecipient, NationalCommunication
    from mso_registry.services.communications import communication_create, communication_send

    communication = communication_create(
        actor=registry_admin, title="Matrix update", kind=NationalCommunication.Kind.ACTION_REQUIRED, body="Read this.",
        action_required_by=timezone.localdate() + timedelta(days=30),
    )
    communication_send(actor=registry_admin, communication=communication)
    for code, records in world.items():
        records.objects["communication"] = communication
        records.objects["communication_copy"] = CommunicationRecipient.objects.filter(
            communication=communication, organisation=records.organisation
        ).first()


def _fill_missing(world, people):
    """The demo data has a handover only at Hillside and change requests at some trusts: make the rest."""
    from mso_registry.services import change_request_create
    from mso_registry.services.handover import handover_start

    for code, records in world.items():
        organisation = records.organisation
        if records.objects["change_request"] is None:
            records.objects["change_request"] = change_request_create(
                actor=people["mso"] if code == "R9R" else people["hillside_mso"], organisation=organisation,
                detail=ChangeOfDetailsRequest.Detail.MAILBOX, value_after=f"new.{code.lower()}@nhs.example",
            )  # fmt: skip
        if records.objects["handover"] is None:
            successor = UserFactory(email=f"successor@{code.lower()}.example")
            records.objects["handover"] = handover_start(
                actor=people["registry_admin"], organisation=organisation, successor=successor,
                leaving_date=timezone.localdate() + timedelta(days=30),
                successor_start_date=timezone.localdate() + timedelta(days=31),
            )  # fmt: skip
        records.objects["handover_item"] = records.objects["handover"].items.first()
