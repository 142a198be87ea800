"""The hazard log as a document: downloading the live log, issuing a signed version, reading and
downloading an issued version, and importing a supplier's log."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify

from core.domain import DomainError
from core.spreadsheets import dataset_download
from mso_registry.selectors import cso_signing_refusals
from submissions.services import FIELD_NAME as SUBMISSION_KEY, AlreadySubmitted

from .. import documents, permissions, selectors, services
from ..forms import HazardLogImportForm, HazardLogIssueForm
from .shared import _domain_error, _pdf_response, _system


@login_required
def hazard_log_export(request, pk, file_format):
    """The live hazard log as CSV or XLSX, the same rows in both."""
    system = _system(request, pk)
    dataset = documents.hazard_log_dataset(system)
    return dataset_download(dataset, name=f"hazard-log-{slugify(system.name)}", file_format=file_format)


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
