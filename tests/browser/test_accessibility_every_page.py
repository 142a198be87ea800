"""axe-core (WCAG 2.2 AA) on every page of the three journeys, as each role that uses it, in headless
Chromium: the national registry, medication incidents and clinical safety, on the full demo data.

Each role's pages are listed below; a page must answer 200 (so that an error page is never what
passes) and have no violations. Every page of a role is checked before the test fails, so one run
names all that is wrong. The report form is also checked on a 360-pixel-wide screen, with and
without its errors."""

import pytest
from django.urls import reverse

from clinical_safety import demo as clinical_safety_demo
from clinical_safety import services as clinical_safety_services
from clinical_safety.models import HazardLogVersion, SafetyCaseReport, SafetyCaseStatus
from incidents import demo as incidents_demo
from incidents.models import CandourRecord, Escalation, LearningBulletin, LearningResponse, MedicationIncident, Status
from mso_registry import demo
from mso_registry.models import Handover, NationalCommunication, Organisation
from users.models import User

from .conftest import DESKTOP
from .test_demo_sign_in import PASSWORD, axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW = {"width": 360, "height": 740}
TABLET = {"width": 1024, "height": 768}


def _seed():
    """The demo as `seed_demo` makes it, with a few incidents a trust, and one safety case waiting
    for governance's decision."""
    demo.seed(password=PASSWORD)
    incidents_demo.seed(size=12)
    clinical_safety_demo.seed(password=PASSWORD)
    draft = SafetyCaseReport.objects.get(status=SafetyCaseStatus.DRAFT)
    clinical_safety_services.safety_case_submit(actor=User.objects.get(email="cso@riverside.example"), report=draft)
    # The CSO's pages still need a draft: a second one for the same release.
    clinical_safety_services.safety_case_draft(
        actor=draft.author, system=draft.system,
        details={field: getattr(draft, field) for field in clinical_safety_services.SAFETY_CASE_INPUT_FIELDS},
    )


def _pages(email: str) -> list[tuple[str, str]]:
    """(what, path) for every page this person's journeys pass through."""
    riverside = Organisation.objects.get(ods_code="R9R")
    hillside = Organisation.objects.get(ods_code="R9H")
    named = MedicationIncident.objects.filter(organisation=riverside, reporter__email="staff@riverside.example")
    mine = named.order_by("submitted_at").first()
    bulletin = LearningBulletin.objects.filter(organisation=riverside).first()
    if email == "registry@medsafety.example":
        handover = Handover.objects.filter(organisation=hillside).first()
        communications = NationalCommunication.objects.order_by("pk")
        person = riverside.role_assignments.select_related("user").first().user
        pages = [
            ("home", "/"),
            ("the national directory", reverse("mso_registry:organisation_list")),
            ("the directory filtered to vacancies", reverse("mso_registry:organisation_list") + "?vacant=on"),
            ("an organisation page", reverse("mso_registry:organisation_detail", args=["R9R"])),
            ("the organisation edit form", reverse("mso_registry:organisation_edit", args=["R9R"])),
            ("a person's roles", reverse("mso_registry:person_detail", args=[person.pk])),
            ("the CSV import", reverse("mso_registry:organisation_import")),
            ("the change-of-details requests", reverse("mso_registry:change_request_list")),
            ("the CSO register", reverse("mso_registry:cso_register")),
            ("a handover", reverse("mso_registry:handover_detail", args=[handover.pk])),
            ("the communications", reverse("mso_registry:communication_list")),
            ("a new communication", reverse("mso_registry:communication_create")),
            ("the national incident dashboard", reverse("incidents:national_dashboard")),
        ]
        pages += [(f"communication {c.pk}", reverse("mso_registry:communication_detail", args=[c.pk])) for c in communications]
        return pages
    if email == "mso@riverside.example":
        submitted = MedicationIncident.objects.filter(organisation=riverside, status=Status.SUBMITTED).first()
        in_review = MedicationIncident.objects.filter(organisation=riverside, status=Status.IN_REVIEW).first()
        closed = MedicationIncident.objects.filter(organisation=riverside, status=Status.CLOSED).first()
        live_candour = CandourRecord.objects.filter(organisation=riverside, withdrawn_at__isnull=True)
        overdue_candour = live_candour.filter(completed_on__isnull=True).order_by("due_date").first()
        done_candour = live_candour.filter(findings_shared_on__isnull=False).first()
        psii = LearningResponse.objects.get(organisation=riverside, response_type="psii")
        thematic = LearningResponse.objects.get(organisation=riverside, response_type="thematic")
        return [
            ("home", "/"),
            ("the review queue", reverse("incidents:review_queue")),
            ("the review queue filtered to red flags", reverse("incidents:review_queue") + "?red_flag=yes"),
            ("a new incident", reverse("incidents:incident_detail", args=[submitted.reference])),
            ("an incident in review (grade, learning, action and feedback forms)",
             reverse("incidents:incident_detail", args=[in_review.reference])),  # fmt: skip
            ("a closed incident", reverse("incidents:incident_detail", args=[closed.reference])),
            ("the dashboard", reverse("incidents:dashboard")),
            ("the bulletins", reverse("incidents:bulletin_list")),
            ("a new bulletin", reverse("incidents:bulletin_create")),
            ("a bulletin", reverse("incidents:bulletin_detail", args=[bulletin.pk])),
            ("Riverside's page", reverse("mso_registry:organisation_detail", args=["R9R"])),
            ("Riverside's history of roles only", reverse("mso_registry:organisation_detail", args=["R9R"]) + "?history=roles"),
            ("ending a staff member's role: the question",
             reverse("mso_registry:role_end", args=["R9R", riverside.role_assignments.filter(role="staff").first().pk])),
            ("the handover form", reverse("mso_registry:handover_start", args=["R9R"])),
            ("the communications", reverse("mso_registry:communication_list")),
            ("an overdue duty of candour", reverse("incidents:candour_detail", args=[overdue_candour.incident.reference])),
            ("a duty of candour done", reverse("incidents:candour_detail", args=[done_candour.incident.reference])),
            ("the review queue filtered to overdue candour", reverse("incidents:review_queue") + "?candour=overdue"),
            ("the response plan", reverse("incidents:response_plan")),
            ("the learning responses", reverse("incidents:response_list")),
            ("a PSII in progress", reverse("incidents:response_detail", args=[psii.pk])),
            ("a thematic review", reverse("incidents:response_detail", args=[thematic.pk])),
            ("the thematic view filtered to omitted doses", reverse("incidents:thematic") + "?error_type=omitted_delayed"),
        ]
    if email == "staff@riverside.example":
        return [
            ("home", "/"),
            ("the report form", reverse("incidents:incident_report")),
            ("my reports", reverse("incidents:my_reports")),
            ("a receipt", reverse("incidents:incident_receipt", args=[mine.reference])),
            ("my report with its feedback", reverse("incidents:incident_detail", args=[mine.reference])),
            ("the anonymous follow-up", reverse("incidents:incident_follow_up")),
            ("the bulletins", reverse("incidents:bulletin_list")),
            ("a bulletin", reverse("incidents:bulletin_detail", args=[bulletin.pk])),
        ]
    if email == "director@riverside.example":
        escalated = Escalation.objects.filter(organisation=riverside).first().incident
        return [
            ("home", "/"),
            ("the escalations", reverse("incidents:escalation_list")),
            ("an escalated incident", reverse("incidents:incident_detail", args=[escalated.reference])),
            ("the dashboard", reverse("incidents:dashboard")),
            ("Riverside's page", reverse("mso_registry:organisation_detail", args=["R9R"])),
        ]
    system = riverside.health_it_systems.first()
    hazard = system.hazards.order_by("pk").first()
    cases = SafetyCaseReport.objects.filter(system=system).order_by("pk")
    if email == "cso@riverside.example":
        return [
            ("home", "/"),
            ("the systems", reverse("clinical_safety:system_list")),
            ("a new system", reverse("clinical_safety:system_create", args=["R9R"])),
            ("a system", reverse("clinical_safety:system_detail", args=[system.pk])),
            ("the system edit form", reverse("clinical_safety:system_edit", args=[system.pk])),
            ("a new hazard", reverse("clinical_safety:hazard_create", args=[system.pk])),
            ("a hazard", reverse("clinical_safety:hazard_detail", args=[hazard.pk])),
            ("the hazard edit form", reverse("clinical_safety:hazard_edit", args=[hazard.pk])),
            ("the hazard log issue form", reverse("clinical_safety:hazard_log_issue", args=[system.pk])),
            ("the hazard log import", reverse("clinical_safety:hazard_log_import", args=[system.pk])),
            ("a hazard log version", reverse("clinical_safety:hazard_log_version_detail",
                                             args=[HazardLogVersion.objects.filter(system=system).first().pk])),
            ("a new safety case", reverse("clinical_safety:safety_case_create", args=[system.pk])),
            *[(f"safety case {c.pk} ({c.status})", reverse("clinical_safety:safety_case_detail", args=[c.pk]))
              for c in cases],
            *[(f"safety case {c.pk} edit form", reverse("clinical_safety:safety_case_edit", args=[c.pk]))
              for c in cases if c.status == SafetyCaseStatus.DRAFT],
        ]  # fmt: skip
    if email == "governance@riverside.example":
        return [
            ("home", "/"),
            ("the systems", reverse("clinical_safety:system_list")),
            ("a system", reverse("clinical_safety:system_detail", args=[system.pk])),
            *[(f"safety case {c.pk} ({c.status})", reverse("clinical_safety:safety_case_detail", args=[c.pk]))
              for c in cases],
        ]  # fmt: skip
    raise AssertionError(f"no pages listed for {email}")


ROLES = [
    "registry@medsafety.example",
    "mso@riverside.example",
    "staff@riverside.example",
    "director@riverside.example",
    "cso@riverside.example",
    "governance@riverside.example",
]


@pytest.mark.parametrize("email", ROLES)
def test_every_page_of_the_journeys_is_accessible(live_server, new_page, fast_passwords, email):
    _seed()
    pages = _pages(email)
    page = new_page()
    sign_in(page, live_server, email)
    problems = []
    for what, path in pages:
        response = page.goto(live_server.url + path)
        assert response.status == 200, f"{what} ({path}) answered {response.status} to {email}"
        assert page.get_by_role("heading", level=1).count() == 1, f"{what} ({path}) has no single h1"
        # A ward PC or a tablet at 1024 px shows the full navigation too (it overflowed the header there).
        for viewport in (DESKTOP, TABLET):
            page.set_viewport_size(viewport)
            page.wait_for_timeout(250)  # medsafety.js re-checks scrolling tables 150 ms after a resize
            if found := axe_violations(page, f"{what} at {viewport['width']} px, as {email}"):
                problems.append(found)
    assert not problems, "\n\n".join(problems)
    assert len(pages) >= 5


def test_the_report_form_is_accessible_on_a_360_pixel_screen(live_server, new_page, fast_passwords):
    _seed()
    page = new_page(NARROW)
    sign_in(page, live_server, "staff@riverside.example")
    page.goto(f"{live_server.url}/incidents/report/")
    problems = [axe_violations(page, "the report form at 360 px")]
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"], "the form is wider than 360 px"

    page.get_by_role("button", name="Send the report").click()
    page.get_by_role("alert").wait_for()
    problems.append(axe_violations(page, "the report form with its errors at 360 px"))
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    assert not any(problems), "\n\n".join(filter(None, problems))


def _emptied(selector):
    return lambda page: page.locator(selector).evaluate_all("els => els.forEach(e => e.value = '')")


def test_forms_showing_their_errors_are_accessible(live_server, new_page, fast_passwords):
    """A form sent empty (or wrong) shows its errors; the page with them must pass too."""
    _seed()
    system = Organisation.objects.get(ods_code="R9R").health_it_systems.first()
    in_review = MedicationIncident.objects.filter(organisation__ods_code="R9R", status=Status.IN_REVIEW).first()
    incident_path = reverse("incidents:incident_detail", args=[in_review.reference])
    fields = "main form textarea, main form input[type=text]"
    cases = {  # email: [(what, path, the submit button's name or None for the form's last, prepare)]
        "cso@riverside.example": [
            ("the hazard form", reverse("clinical_safety:hazard_create", args=[system.pk]), "Add the hazard",
             _emptied(fields)),
            ("the safety case form", reverse("clinical_safety:safety_case_create", args=[system.pk]), None,
             _emptied(fields)),
        ],
        "mso@riverside.example": [
            ("the incident's action form", incident_path, "Add the action", _emptied("main textarea")),
            ("the incident's learning form", incident_path, "Save the learning summary", _emptied("main textarea")),
        ],
        "registry@medsafety.example": [
            ("the organisation edit form", reverse("mso_registry:organisation_edit", args=["R9R"]), None,
             lambda page: page.locator("main form input[type=email]").first.fill("not an email")),
        ],
    }  # fmt: skip
    problems = []
    for email, forms in cases.items():
        page = new_page()
        sign_in(page, live_server, email)
        for what, path, button, prepare in forms:
            page.goto(live_server.url + path)
            prepare(page)
            submit = page.get_by_role("button", name=button) if button else page.locator("main form [type=submit]").last
            submit.click()
            page.wait_for_load_state()
            assert page.locator(".invalid-feedback, .error-summary, .alert-danger").count(), f"{what} showed no error"
            if found := axe_violations(page, f"{what} showing its errors, as {email}"):
                problems.append(found)
    assert not problems, "\n\n".join(problems)
