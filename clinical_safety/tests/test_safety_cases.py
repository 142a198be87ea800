import pytest

from clinical_safety import selectors, services
from clinical_safety.models import Hazard, SafetyCaseStatus
from core.domain import DomainError, NotAllowed
from mso_registry.models import Role
from notifications.models import Notification
from tests.factories import RoleAssignmentFactory, UserFactory

from .conftest import hazard_details, safety_case_details

pytestmark = pytest.mark.django_db


def _case_on_log_with(epma, cso, **scores):
    services.hazard_create(actor=cso, system=epma, details=hazard_details(title="Dose unit confusion", **scores))
    version = services.hazard_log_issue(actor=cso, system=epma)
    return services.safety_case_draft(actor=cso, system=epma, details=safety_case_details(version))


@pytest.mark.parametrize(
    "severity, likelihood, rating",
    [(4, 4, 4), (5, 4, 5)],  # Major x High = 4, Catastrophic x High = 5
)
def test_submission_is_refused_while_a_residual_risk_is_4_or_5(epma, cso, hazard, severity, likelihood, rating):
    report = _case_on_log_with(
        epma, cso, initial_severity=severity, initial_likelihood=likelihood,
        residual_severity=severity, residual_likelihood=likelihood,
    )
    with pytest.raises(services.SubmissionRefused) as refusal:
        services.safety_case_submit(actor=cso, report=report)
    assert any(f"H-002 (Dose unit confusion) has a residual risk rating of {rating}" in r for r in refusal.value.reasons)
    report.refresh_from_db()
    assert report.status == SafetyCaseStatus.DRAFT
    assert not Notification.objects.filter(template__contains="safety_case_submitted").exists()


def test_submission_is_refused_when_a_3_lacks_its_justification(epma, cso, hazard):
    # An entry whose justification was lost (e.g. imported from a spreadsheet) before the log was issued.
    Hazard.objects.filter(pk=hazard.pk).update(residual_severity=3, residual_likelihood=3, residual_rating=3)
    version = services.hazard_log_issue(actor=cso, system=epma)
    report = services.safety_case_draft(actor=cso, system=epma, details=safety_case_details(version))
    with pytest.raises(services.SubmissionRefused) as refusal:
        services.safety_case_submit(actor=cso, report=report)
    assert refusal.value.reasons == [
        "H-001 (Wrong patient selected from the ward list) has a residual risk rating of 3 with no recorded "
        "justification that further reduction is impractical."
    ]


def test_submission_is_refused_when_the_log_moved_on_from_its_version(draft_case, hazard, cso):
    services.hazard_update(actor=cso, hazard=hazard, details=hazard_details(actions="Retrain ward 4"))
    with pytest.raises(services.SubmissionRefused, match="changed since version 1"):
        services.safety_case_submit(actor=cso, report=draft_case)


def test_submission_is_refused_for_a_cso_who_may_not_sign(draft_case, cso):
    cso.clinical_safety_training.all().delete()
    with pytest.raises(services.SigningRefused, match="No clinical safety training"):
        services.safety_case_submit(actor=cso, report=draft_case)
    draft_case.refresh_from_db()
    assert draft_case.status == SafetyCaseStatus.DRAFT


def test_submitting_signs_freezes_the_argument_and_tells_governance(submitted_case, cso, riverside_governance):
    assert submitted_case.status == SafetyCaseStatus.SUBMITTED
    assert submitted_case.signer_registration == "GPhC 2071234"
    assert submitted_case.safety_argument[0]["claim"] == "H-001 is reduced to an acceptable level."
    note = Notification.objects.get(template="clinical_safety/email/safety_case_submitted")
    assert note.recipient == riverside_governance.email


def test_the_argument_shows_gaps_as_gaps(hazard, epma, cso):
    services.hazard_control_add(
        actor=cso, hazard=hazard,
        details={"control_type": "training", "description": "Ward induction covers patient checks",
                 "verification": "", "verified_on": None},
    )
    version = services.hazard_log_issue(actor=cso, system=epma)
    [claim] = selectors.safety_argument_from(version.snapshot)
    assert claim["evidence"][0]["type"] == "Training"
    assert claim["gaps"] == ["Control not yet verified: Ward induction covers patient checks"]


def test_governance_approves_and_the_report_is_hashed_and_immutable(approved_case, riverside_governance, cso):
    assert approved_case.status == SafetyCaseStatus.APPROVED
    assert approved_case.decided_by == riverside_governance
    assert approved_case.is_current
    assert services.content_hash(services.safety_case_document(approved_case)) == approved_case.content_hash
    with pytest.raises(DomainError, match="cannot be changed"):
        services.safety_case_update(
            actor=cso, report=approved_case,
            details=safety_case_details(approved_case.hazard_log_version, conclusion="Rewritten"),
        )
    approved_case.refresh_from_db()
    assert approved_case.conclusion == "The system is acceptably safe to deploy."
    assert Notification.objects.filter(
        template="clinical_safety/email/safety_case_approved", recipient=cso.email
    ).exists()


def test_the_author_cannot_approve_their_own_safety_case(submitted_case, cso, riverside):
    RoleAssignmentFactory(user=cso, organisation=riverside, role=Role.GOVERNANCE)
    cso.__dict__.pop("_current_roles", None)
    with pytest.raises(NotAllowed, match="someone else in the governance team"):
        services.safety_case_approve(actor=cso, report=submitted_case)
    submitted_case.refresh_from_db()
    assert submitted_case.status == SafetyCaseStatus.SUBMITTED


@pytest.mark.parametrize("role", [Role.STAFF, Role.CSO, Role.MSO])
def test_only_governance_approves(submitted_case, riverside, role):
    person = UserFactory()
    RoleAssignmentFactory(user=person, organisation=riverside, role=role)
    with pytest.raises(NotAllowed):
        services.safety_case_approve(actor=person, report=submitted_case)
    submitted_case.refresh_from_db()
    assert submitted_case.status == SafetyCaseStatus.SUBMITTED


def test_governance_of_another_organisation_cannot_approve(submitted_case, hillside):
    person = UserFactory()
    RoleAssignmentFactory(user=person, organisation=hillside, role=Role.GOVERNANCE)
    with pytest.raises(NotAllowed):
        services.safety_case_approve(actor=person, report=submitted_case)


def test_a_draft_cannot_be_approved(draft_case, riverside_governance):
    with pytest.raises(DomainError, match="cannot be approved"):
        services.safety_case_approve(actor=riverside_governance, report=draft_case)


def test_rejection_needs_comments_and_returns_the_case_for_editing(submitted_case, riverside_governance, cso):
    with pytest.raises(DomainError, match="Say why"):
        services.safety_case_reject(actor=riverside_governance, report=submitted_case, comments=" ")
    report = services.safety_case_reject(
        actor=riverside_governance, report=submitted_case, comments="Add the downtime hazard."
    )
    assert report.status == SafetyCaseStatus.REJECTED and report.is_editable
    assert Notification.objects.get(template="clinical_safety/email/safety_case_rejected").recipient == cso.email
    resubmitted = services.safety_case_submit(actor=cso, report=report)
    assert resubmitted.status == SafetyCaseStatus.SUBMITTED and resubmitted.decided_by is None


def test_a_hazard_change_after_approval_marks_the_case_out_of_date(approved_case, hazard, cso):
    services.hazard_update(actor=cso, hazard=hazard, details=hazard_details(residual_severity=3))
    approved_case.refresh_from_db()
    assert approved_case.out_of_date_at is not None
    assert approved_case.out_of_date_reason.startswith(
        "H-001 (Wrong patient selected from the ward list) was changed: residual severity"
    )
    # The approved content itself is untouched.
    assert approved_case.status == SafetyCaseStatus.APPROVED
    assert services.content_hash(services.safety_case_document(approved_case)) == approved_case.content_hash
    assert Notification.objects.filter(template="clinical_safety/email/safety_case_out_of_date").count() == 1


def test_the_out_of_date_notice_and_email_name_the_changes_in_words(approved_case, hazard, cso):
    services.hazard_update(
        actor=cso, hazard=hazard,
        details=hazard_details(residual_likelihood=3, residual_justification="No safer layout is available."),
    )
    approved_case.refresh_from_db()
    assert "was changed: residual likelihood, justification for accepting the residual risk and residual rating" in (
        approved_case.out_of_date_reason
    )
    email = Notification.objects.get(template="clinical_safety/email/safety_case_out_of_date")
    for text in (approved_case.out_of_date_reason, *_rendered(email)):
        assert "residual_" not in text and "_" not in text.split("was changed:")[1].split(" on ")[0]


def _rendered(notification):
    from django.template.loader import render_to_string

    base = notification.template
    return [render_to_string(f"{base}.{ext}", notification.context) for ext in ("txt", "html")]


def test_a_new_hazard_or_control_also_marks_it_out_of_date(approved_case, epma, cso):
    services.hazard_create(actor=cso, system=epma, details=hazard_details(title="Downtime"))
    approved_case.refresh_from_db()
    assert "H-002 (Downtime) was added" in approved_case.out_of_date_reason


def test_a_new_approval_supersedes_the_old_one(approved_case, hazard, epma, cso, riverside_governance):
    services.hazard_update(actor=cso, hazard=hazard, details=hazard_details(actions="Audit in March"))
    version = services.hazard_log_issue(actor=cso, system=epma)
    new = services.safety_case_draft(actor=cso, system=epma, details=safety_case_details(version, release="4.3"))
    services.safety_case_submit(actor=cso, report=new)
    new = services.safety_case_approve(actor=riverside_governance, report=new)
    approved_case.refresh_from_db()
    assert approved_case.superseded_by == new
    assert new.is_current and not approved_case.is_current


def test_approval_is_refused_when_the_log_changed_after_submission(submitted_case, hazard, cso, riverside_governance):
    services.hazard_update(actor=cso, hazard=hazard, details=hazard_details(actions="Audit in March"))
    with pytest.raises(DomainError, match="changed since this safety case was submitted"):
        services.safety_case_approve(actor=riverside_governance, report=submitted_case)


def test_each_submission_and_decision_is_emailed_once_keyed_by_its_audit_event(
    submitted_case, riverside_governance, cso
):
    """Submitted, returned, submitted again, returned again: every decision is told once, and a
    second submission or return is not mistaken for the first (keys come from the audit events,
    never from the time)."""
    from audit.models import AuditEvent

    report = services.safety_case_reject(actor=riverside_governance, report=submitted_case, comments="Add H-002.")
    report = services.safety_case_submit(actor=cso, report=report)
    services.safety_case_reject(actor=riverside_governance, report=report, comments="Still missing.")
    submitted = Notification.objects.filter(template="clinical_safety/email/safety_case_submitted")
    returned = Notification.objects.filter(template="clinical_safety/email/safety_case_rejected")
    assert submitted.count() == 2 and returned.count() == 2
    events = AuditEvent.objects.filter(object_id=str(report.pk))
    assert set(submitted.values_list("idempotency_key", flat=True)) == {
        f"safety-case-{report.pk}-submitted-{e.pk}-{riverside_governance.pk}"
        for e in events.filter(action="safety_case.submitted")
    }
    assert set(returned.values_list("idempotency_key", flat=True)) == {
        f"safety-case-{report.pk}-rejected-{e.pk}" for e in events.filter(action="safety_case.rejected")
    }
