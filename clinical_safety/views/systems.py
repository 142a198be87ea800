"""Health IT systems: the list, adding and editing one, and its page with the hazard log."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render

from audit.selectors import history_of
from core.domain import DomainError
from mso_registry.models import Role
from mso_registry.selectors import current_roles_of, organisations_visible_to

from .. import permissions, selectors, services
from ..forms import HealthITSystemForm
from ..heatmap import heat_map
from .shared import _domain_error, _system


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
    page = Paginator(selectors.hazard_log_rows(system), HAZARDS_PER_PAGE).get_page(request.GET.get("page"))
    live_hash = selectors.hazard_log_live_hash(system)

    def heat_maps():
        # Called by the template only when its cached copy for this content hash is missing: the
        # maps read every hazard, and any change to one changes the hash the services keep.
        scores = selectors.hazard_heat_map_rows(system)
        return [heat_map(scores, "initial"), heat_map(scores, "residual")]

    return render(
        request,
        "clinical_safety/system_detail.html",
        {
            "system": system,
            "hazards": page.object_list,
            "page": page,
            "hazard_count": page.paginator.count,
            "heat_maps": heat_maps,
            "live_hash": live_hash,
            "versions": versions,
            "log_changed": latest is not None and live_hash != latest.content_hash,
            "safety_cases": system.safety_cases.select_related("author", "decided_by", "hazard_log_version"),
            "can_edit": permissions.can_edit_system(request.user, system),
            "history": history_of(system)[:20],
        },
    )
