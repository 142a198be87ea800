"""Clinical safety pages. Thin: load through a scoped selector (another organisation's record is a
404), validate with a form, change through a service, show a DomainError's message."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from audit.selectors import history_of
from core.domain import DomainError
from core.spreadsheets import dataset_download
from mso_registry.models import Role
from mso_registry.selectors import cso_signing_refusals, current_roles_of, organisations_visible_to
from submissions.services import DRAFT_ALREADY_SAVED, FIELD_NAME as SUBMISSION_KEY, AlreadySubmitted

from . import documents, permissions, selectors, services
from .forms import (
    HazardControlForm,
    HazardForm,
    HazardLogImportForm,
    HazardLogIssueForm,
    HealthITSystemForm,
    SafetyCaseDecisionForm,
    SafetyCaseForm,
)
from .heatmap import heat_map
from .models import Hazard, SafetyCaseStatus
from .risk import MATRIX, RATING_MEANINGS, Likelihood, Severity


def _system(request, pk):
    return get_object_or_404(selectors.systems_visible_to(request.user), pk=pk)


def _hazard(request, pk):
    hazards = Hazard.objects.filter(system__in=selectors.systems_visible_to(request.user))
    return get_object_or_404(hazards.select_related("system__organisation", "system__cso", "owner"), pk=pk)


def _safety_case(request, pk):
    return get_object_or_404(selectors.safety_cases_visible_to(request.user), pk=pk)


def _domain_error(form, error: DomainError) -> None:
    for reason in getattr(error, "reasons", None) or [str(error)]:
        form.add_error(None, reason)


# --- Systems -----------------------------------------------------------------------------------


@login_required
def system_list(request):
    if not selectors.shows_clinical_safety_nav(request.user):
        raise PermissionDenied("Clinical safety records are for Clinical Safety Officers and governance teams.")
    cso_organisations = sorted(
        {a.organisation for a in current_roles_of(request.user) if a.role == Role.CSO and a.organisation_id},
        key=lambda o: o.name,
    )
    return render(
        request,
        "clinical_safety/system_list.html",
        {
            "systems": selectors.system_list_for(request.user),
            "cso_organisations": cso_organisations,
            "awaiting_me": selectors.safety_cases_awaiting(request.user),
        },
    )


@login_required
def system_create(request, ods_code):
    organisation = get_object_or_404(organisations_visible_to(request.user), ods_code=ods_code)
    if not permissions.can_add_system(request.user, organisation):
        raise PermissionDenied
    form = HealthITSystemForm(request.POST or None, organisation=organisation, initial={"cso": request.user})
    if request.method == "POST" and form.is_valid():
        try:
            system = services.system_create(actor=request.user, organisation=organisation, details=form.cleaned_data)
        except DomainError as error:
            _domain_error(form, error)
        else:
            messages.success(request, f"{system.name} is added. Start its hazard log by adding a hazard.")
            return redirect("clinical_safety:system_detail", pk=system.pk)
    return render(request, "clinical_safety/system_form.html", {"form": form, "organisation": organisation})


@login_required
def system_edit(request, pk):
    system = _system(request, pk)
    if not permissions.can_edit_system(request.user, system):
        raise PermissionDenied
    initial = {f: getattr(system, f) for f in services.SYSTEM_FIELDS}
    form = HealthITSystemForm(request.POST or None, organisation=system.organisation, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.system_update(actor=request.user, system=system, details=form.cleaned_data)
        except DomainError as error:
            _domain_error(form, error)
        else:
            messages.success(request, "The system's details are saved.")
            return redirect("clinical_safety:system_detail", pk=system.pk)
    return render(
        request, "clinical_safety/system_form.html", {"form": form, "organisation": system.organisation, "system": system}
    )


HAZARDS_PER_PAGE = 50


@login_required
def system_detail(request, pk):
    system = _system(request, pk)
    # Not the frozen snapshots: each is a whole issued log, and the list shows only who signed when.
    versions = list(system.hazard_log_versions.select_related("signed_by").defer("snapshot"))
    latest = versions[0] if versions else None
    # A national system's log runs to a thousand hazards and more: the table shows it a page at a
    # time, the heat maps read light rows of every hazard, and the changed-since check a cached hash.
    page = Paginator(selectors.hazards_of(system), HAZARDS_PER_PAGE).get_page(request.GET.get("page"))
    scores = selectors.hazard_heat_map_rows(system)
    return render(
        request,
        "clinical_safety/system_detail.html",
        {
            "system": system,
            "hazards": page.object_list,
            "page": page,
            "hazard_count": len(scores),
            "heat_maps": [heat_map(scores, "initial"), heat_map(scores, "residual")],
            "versions": versions,
            "log_changed": latest is not None and selectors.hazard_log_live_hash(system) != latest.content_hash,
            "safety_cases": system.safety_cases.select_related("author", "decided_by", "hazard_log_version"),
            "can_edit": permissions.can_edit_system(request.user, system),
            "history": history_of(system)[:20],
        },
    )


@login_required
def hazard_log_export(request, pk, file_format):
    """The live hazard log as CSV or XLSX, the same rows in both."""
    system = _system(request, pk)
    dataset = documents.hazard_log_dataset(system)
    return dataset_download(dataset, name=f"hazard-log-{slugify(system.name)}", file_format=file_format)


def _pdf_response(request, render, filename: str, back) -> HttpResponse:
    """The PDF as a download, or back to its page with the reason when this server cannot render PDFs."""
    try:
        content = render()
    except documents.PdfUnavailable as error:
        messages.error(request, str(error))
        return redirect(back)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Hazards ---------------------------------------------------------------------------------


@login_required
def hazard_create(request, pk):
    system = _system(request, pk)
    if not permissions.can_edit_system(request.user, system):
        raise PermissionDenied
    form = HazardForm(request.POST or None, organisation=system.organisation, initial={"owner": request.user})
    if request.method == "POST" and form.is_valid():
        try:
            hazard = services.hazard_create(actor=request.user, system=system, details=form.cleaned_data)
        except DomainError as error:
            _domain_error(form, error)
        else:
            messages.success(
                request,
                f"{hazard.reference} is added: initial risk {hazard.initial_rating}, residual risk "
                f"{hazard.residual_rating}. Add the controls that reduce it.",
            )
            return redirect("clinical_safety:hazard_detail", pk=hazard.pk)
    return render(request, "clinical_safety/hazard_form.html", {"form": form, "system": system, **_matrix_context()})


@login_required
def hazard_edit(request, pk):
    hazard = _hazard(request, pk)
    if not permissions.can_edit_system(request.user, hazard.system):
        raise PermissionDenied
    initial = {f: getattr(hazard, f) for f in services.HAZARD_INPUT_FIELDS}
    form = HazardForm(request.POST or None, organisation=hazard.system.organisation, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.hazard_update(actor=request.user, hazard=hazard, details=form.cleaned_data)
        except DomainError as error:
            _domain_error(form, error)
        else:
            messages.success(request, f"{hazard.reference} is saved.")
            return redirect("clinical_safety:hazard_detail", pk=hazard.pk)
    return render(
        request,
        "clinical_safety/hazard_form.html",
        {"form": form, "system": hazard.system, "hazard": hazard, **_matrix_context()},
    )


def _matrix_context() -> dict:
    rows = [
        {"likelihood": likelihood, "ratings": MATRIX[likelihood]} for likelihood in reversed(Likelihood)
    ]
    return {"matrix_rows": rows, "severities": list(Severity), "rating_meanings": RATING_MEANINGS.items()}


@login_required
def hazard_detail(request, pk):
    hazard = _hazard(request, pk)
    can_edit = permissions.can_edit_system(request.user, hazard.system)
    control_form = HazardControlForm()
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        control_form = HazardControlForm(request.POST)
        if control_form.is_valid():
            try:
                services.hazard_control_add(actor=request.user, hazard=hazard, details=control_form.cleaned_data)
            except DomainError as error:
                _domain_error(control_form, error)
            else:
                messages.success(request, f"The control is added to {hazard.reference}. Rescore the hazard if it changes the risk.")
                return redirect("clinical_safety:hazard_detail", pk=hazard.pk)
    return render(
        request,
        "clinical_safety/hazard_detail.html",
        {
            "hazard": hazard,
            "system": hazard.system,
            "controls": hazard.controls.select_related("added_by"),
            "scores": hazard.scores.select_related("scored_by"),
            "history": history_of(hazard)[:50],
            "can_edit": can_edit,
            "control_form": control_form,
            "rating_meanings": RATING_MEANINGS,
        },
    )


# --- Hazard log versions -------------------------------------------------------------------


@login_required
def hazard_log_issue(request, pk):
    system = _system(request, pk)
    if not permissions.can_edit_system(request.user, system):
        raise PermissionDenied
    refusals = cso_signing_refusals(request.user)
    form = HazardLogIssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.hazard_log_issue(
                actor=request.user, system=system, note=form.cleaned_data["note"],
                submission_key=request.POST.get(SUBMISSION_KEY, ""),
            )
        except AlreadySubmitted as first:
            messages.info(request, f"Version {first.target.number} was already issued when you first pressed Sign "
                                   "and issue; it has not been issued twice.")
            return redirect("clinical_safety:hazard_log_version_detail", pk=first.target.pk)
        except DomainError as error:
            _domain_error(form, error)
        else:
            messages.success(request, f"Hazard log version {version.number} is issued and signed.")
            return redirect("clinical_safety:hazard_log_version_detail", pk=version.pk)
    latest = selectors.latest_hazard_log_version(system)
    return render(
        request,
        "clinical_safety/hazard_log_issue.html",
        {
            "system": system,
            "form": form,
            "refusals": refusals,
            "hazard_count": system.hazards.count(),
            "latest": latest,
            "unchanged": latest is not None and not selectors.hazard_log_changed_since(latest),
        },
    )


@login_required
def hazard_log_version_detail(request, pk):
    version = get_object_or_404(selectors.hazard_log_versions_visible_to(request.user), pk=pk)
    return render(
        request,
        "clinical_safety/hazard_log_version_detail.html",
        {
            "version": version,
            "system": version.system,
            "hazards": version.snapshot["hazards"],
            "intact": selectors.content_hash(version.snapshot) == version.content_hash,
            "changed_since": selectors.hazard_log_changed_since(version),
        },
    )


@login_required
def hazard_log_version_json(request, pk):
    """The issued log in our own export format, for a deployer to import."""
    version = get_object_or_404(selectors.hazard_log_versions_visible_to(request.user), pk=pk)
    document = {
        "format": "medsafety-hub/hazard-log/1",
        "version": version.number,
        "signed_by": version.signer_name,
        "signer_registration": version.signer_registration,
        "signed_at": version.signed_at.isoformat(),
        "content_hash": version.content_hash,
        "hazard_log": version.snapshot,
    }
    response = JsonResponse(document, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="hazard-log-{version.system_id}-v{version.number}.json"'
    return response


@login_required
def hazard_log_version_pdf(request, pk):
    version = get_object_or_404(selectors.hazard_log_versions_visible_to(request.user), pk=pk)
    return _pdf_response(
        request,
        lambda: documents.hazard_log_version_pdf(version),
        f"hazard-log-{slugify(version.system.name)}-v{version.number}.pdf",
        back=reverse("clinical_safety:hazard_log_version_detail", args=[version.pk]),
    )


# --- Safety case reports -------------------------------------------------------------------


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


@login_required
def hazard_log_import(request, pk):
    system = _system(request, pk)
    if not permissions.can_edit_system(request.user, system):
        raise PermissionDenied
    form = HazardLogImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            imported = services.hazard_log_import(actor=request.user, system=system, document=form.cleaned_data["document"])
        except DomainError as error:
            _domain_error(form, error)
        else:
            messages.success(
                request, f"{len(imported)} hazards are imported as Transferred. Add your local hazards and controls."
            )
            return redirect("clinical_safety:system_detail", pk=system.pk)
    earlier = system.hazard_log_imports.select_related("imported_by")
    return render(request, "clinical_safety/hazard_log_import.html", {"form": form, "system": system, "earlier": earlier})
