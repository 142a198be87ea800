"""Safety case reports: drafting, editing, signing and submitting one, and the governance decision."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from audit.selectors import history_of
from core.domain import DomainError
from mso_registry.selectors import cso_signing_refusals
from submissions.services import DRAFT_ALREADY_SAVED, FIELD_NAME as SUBMISSION_KEY, AlreadySubmitted

from .. import documents, permissions, selectors, services
from ..forms import SafetyCaseDecisionForm, SafetyCaseForm
from ..models import SafetyCaseStatus
from .shared import _domain_error, _pdf_response, _safety_case, _system


@login_required
def safety_case_create(request, pk):
    system = _system(request, pk)
    if not permissions.can_edit_system(request.user, system):
        raise PermissionDenied
    latest = selectors.latest_hazard_log_version(system)
    if latest is None:
        messages.error(request, "Issue the hazard log first: a safety case rests on an issued version.")
        return redirect("clinical_safety:system_detail", pk=system.pk)
    initial = {"hazard_log_version": latest, "intended_use": system.intended_use, "scope": system.clinical_scope}
    form = SafetyCaseForm(request.POST or None, system=system, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.safety_case_draft(
                actor=request.user, system=system, details=form.cleaned_data,
                submission_key=request.POST.get(SUBMISSION_KEY, ""),
            )
        except AlreadySubmitted as first:
            messages.info(request, DRAFT_ALREADY_SAVED)
            return redirect("clinical_safety:safety_case_detail", pk=first.target.pk)
        except DomainError as error:
            _domain_error(form, error)
        else:
            messages.success(request, "The safety case is saved as a draft.")
            return redirect("clinical_safety:safety_case_detail", pk=report.pk)
    return render(request, "clinical_safety/safety_case_form.html", {"form": form, "system": system})


@login_required
def safety_case_edit(request, pk):
    report = _safety_case(request, pk)
    if not permissions.can_edit_safety_case(request.user, report):
        raise PermissionDenied
    initial = {f: getattr(report, f) for f in services.SAFETY_CASE_INPUT_FIELDS}
    form = SafetyCaseForm(request.POST or None, system=report.system, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.safety_case_update(actor=request.user, report=report, details=form.cleaned_data)
        except DomainError as error:
            _domain_error(form, error)
        else:
            messages.success(request, "The safety case is saved.")
            return redirect("clinical_safety:safety_case_detail", pk=report.pk)
    return render(request, "clinical_safety/safety_case_form.html", {"form": form, "system": report.system, "report": report})


@login_required
def safety_case_detail(request, pk):
    report = _safety_case(request, pk)
    frozen = report.status not in report.EDITABLE
    argument = report.safety_argument if frozen else selectors.safety_argument_from(report.hazard_log_version.snapshot)
    can_submit = permissions.can_submit_safety_case(request.user, report)
    return render(
        request,
        "clinical_safety/safety_case_detail.html",
        {
            "report": report,
            "system": report.system,
            "argument": argument,
            "problems": selectors.safety_case_submission_problems(report) if can_submit else [],
            "signing_refusals": cso_signing_refusals(request.user) if can_submit else [],
            "can_edit": permissions.can_edit_safety_case(request.user, report),
            "can_submit": can_submit,
            "can_decide": permissions.can_decide_safety_case(request.user, report),
            "is_author_governance": report.status == SafetyCaseStatus.SUBMITTED
            and report.author_id == request.user.pk,
            "decision_form": SafetyCaseDecisionForm(),
            "intact": not report.content_hash
            or services.content_hash(services.safety_case_document(report)) == report.content_hash,
            "history": history_of(report)[:30],
        },
    )


@login_required
def safety_case_pdf(request, pk):
    report = _safety_case(request, pk)
    return _pdf_response(
        request,
        lambda: documents.safety_case_pdf(report),
        f"clinical-safety-case-report-{slugify(report.system.name)}-{report.pk}-{report.status}.pdf",
        back=reverse("clinical_safety:safety_case_detail", args=[report.pk]),
    )


@login_required
@require_POST
def safety_case_submit(request, pk):
    report = _safety_case(request, pk)
    try:
        services.safety_case_submit(
            actor=request.user, report=report, submission_key=request.POST.get(SUBMISSION_KEY, "")
        )
    except AlreadySubmitted:
        messages.info(request, "This safety case was already signed and submitted when you first pressed Sign and "
                               "submit; it has not been sent twice.")
    except DomainError as error:
        for reason in getattr(error, "reasons", None) or [str(error)]:
            messages.error(request, reason)
    else:
        messages.success(request, "The safety case is signed and sent to the governance team for approval.")
    return redirect("clinical_safety:safety_case_detail", pk=report.pk)


@login_required
@require_POST
def safety_case_decide(request, pk):
    report = _safety_case(request, pk)
    form = SafetyCaseDecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("clinical_safety:safety_case_detail", pk=report.pk)
    try:
        if form.cleaned_data["decision"] == "approve":
            services.safety_case_approve(actor=request.user, report=report, comments=form.cleaned_data["comments"])
            messages.success(request, "The safety case is approved. Its content and hash are now fixed.")
        else:
            services.safety_case_reject(actor=request.user, report=report, comments=form.cleaned_data["comments"])
            messages.success(request, "The safety case is returned to the CSO with your comments.")
    except DomainError as error:
        messages.error(request, str(error))
    return redirect("clinical_safety:safety_case_detail", pk=report.pk)
