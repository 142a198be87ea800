"""Hazards: adding, scoring and editing one, and its controls."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from audit.selectors import history_of
from core.domain import DomainError

from .. import permissions, services
from ..forms import HazardControlForm, HazardForm
from ..risk import MATRIX, RATING_MEANINGS, Likelihood, Severity
from .shared import _domain_error, _hazard, _system


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
