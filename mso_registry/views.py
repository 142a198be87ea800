from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from audit.selectors import history_of_organisation
from config.domain import DomainError

from . import permissions, selectors, services
from .forms import RoleAssignForm
from .models import RoleAssignment


@login_required
def organisation_list(request):
    organisations = selectors.organisations_visible_to(request.user).order_by("name")
    return render(request, "mso_registry/organisation_list.html", {"organisations": organisations})


@login_required
def organisation_detail(request, ods_code):
    organisation = get_object_or_404(selectors.organisations_visible_to(request.user), ods_code=ods_code)
    can_manage = permissions.can_manage_roles(request.user, organisation)
    form = RoleAssignForm()
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        form = RoleAssignForm(request.POST)
        if form.is_valid():
            try:
                services.role_assign(
                    actor=request.user,
                    user=form.cleaned_data["user"],
                    role=form.cleaned_data["role"],
                    organisation=organisation,
                    start_date=form.cleaned_data["start_date"],
                )
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"{form.cleaned_data['user']} now holds the role.")
                return redirect("mso_registry:organisation_detail", ods_code=organisation.ods_code)
    return render(
        request,
        "mso_registry/organisation_detail.html",
        {
            "organisation": organisation,
            "role_holders": selectors.organisation_current_role_holders(organisation),
            "role_history": selectors.organisation_role_history(organisation),
            "history": history_of_organisation(organisation)[:50],
            "can_manage": can_manage,
            "form": form,
        },
    )


@login_required
@require_POST
def role_end(request, ods_code, pk):
    organisation = get_object_or_404(selectors.organisations_visible_to(request.user), ods_code=ods_code)
    assignment = get_object_or_404(RoleAssignment.objects.filter(organisation=organisation), pk=pk)
    try:
        services.role_end(actor=request.user, assignment=assignment)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{assignment.user}'s role {assignment.get_role_display()} has ended.")
    return redirect("mso_registry:organisation_detail", ods_code=organisation.ods_code)
