"""The organisations: the national directory and its download and import, an organisation's record and roles."""

import tablib
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from audit.labels import HISTORY_KINDS
from audit.selectors import history_of_organisation
from core.domain import DomainError
from core.spreadsheets import dataset_download, formula_safe

from .. import permissions, selectors, services
from ..filters import DirectoryFilter
from ..forms import ImportForm, MailboxForm, OrganisationForm, RoleAssignForm
from ..models import ChangeOfDetailsRequest, Role, RoleAssignment
from .shared import _add_errors, _registry_admin_only


@login_required
def organisation_list(request):
    if not permissions.is_registry_admin(request.user):
        organisations = selectors.organisations_visible_to(request.user).order_by("name")
        return render(request, "mso_registry/organisation_list.html", {"organisations": organisations})
    directory = DirectoryFilter(request.GET, queryset=selectors.organisations_with_current_mso().order_by("name"))
    page = Paginator(selectors.directory_page_rows(directory.qs), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "mso_registry/directory.html",
        {
            "filter": directory,
            "page": page,
            "rows": [(organisation, selectors.directory_holders(organisation))
                     for organisation in selectors.directory_page_holders(page.object_list)],
            "summary": selectors.directory_summary(directory.qs),
            "query": query.urlencode(),
            "pending_changes": selectors.change_requests_for_registry(ChangeOfDetailsRequest.Status.SUBMITTED).count(),
        },
    )


@login_required
def directory_export(request, file_format):
    """The filtered national MSO list as CSV or XLSX."""
    _registry_admin_only(request)
    directory = DirectoryFilter(request.GET, queryset=selectors.organisations_with_current_mso().order_by("name"))
    rows = [formula_safe(row) for row in selectors.directory_table(selectors.directory_rows(directory.qs))]
    dataset = tablib.Dataset(*rows, headers=selectors.DIRECTORY_COLUMNS, title="National MSO list")
    return dataset_download(dataset, name="national-mso-list", file_format=file_format)


@login_required
def organisation_import(request):
    _registry_admin_only(request)
    form, report = ImportForm(), None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                report = services.organisations_import(actor=request.user, data=form.cleaned_data["file"].read())
            except DomainError as error:
                form.add_error("file", str(error))
            else:
                accepted = sum(row.accepted for row in report)
                messages.success(request, f"{accepted} organisations imported, {len(report) - accepted} refused.")
    return render(request, "mso_registry/import.html", {"form": form, "report": report, "columns": services.IMPORT_COLUMNS})


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
                assignment = services.role_assign(
                    actor=request.user,
                    user=form.cleaned_data["user"],
                    role=form.cleaned_data["role"],
                    organisation=organisation,
                    start_date=form.cleaned_data["start_date"],
                )
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, " ".join([f"{form.cleaned_data['user']} now holds the role.",
                                                    *getattr(assignment, "consequences", [])]))
                return redirect("mso_registry:organisation_detail", ods_code=organisation.ods_code)
    history_kind = request.GET.get("history", "")
    role_holders = selectors.organisation_current_role_holders(organisation)
    professions = selectors.professions_of([a.user_id for a in role_holders])
    for assignment in role_holders:
        assignment.details = professions.get(assignment.user_id)
    return render(
        request,
        "mso_registry/organisation_detail.html",
        {
            "organisation": organisation,
            "role_holders": role_holders,
            "attention": selectors.organisation_attention_items(organisation, role_holders),
            "role_history": selectors.organisation_role_history(organisation),
            "history": history_of_organisation(organisation, kind=history_kind)[:20],
            "history_kind": history_kind,
            "history_kinds": [(key, label) for key, (label, _) in HISTORY_KINDS.items()],
            "change_requests": organisation.change_requests.select_related("requested_by")[:10],
            "open_handover": selectors.open_handover_of(organisation),
            "can_manage": can_manage,
            "can_start_handover": permissions.can_start_handover(request.user, organisation),
            "form": form,
        },
    )


@login_required
def organisation_edit(request, ods_code):
    organisation = get_object_or_404(selectors.organisations_visible_to(request.user), ods_code=ods_code)
    if not permissions.can_edit_organisation(request.user, organisation):
        raise PermissionDenied
    full = permissions.is_registry_admin(request.user)
    form_class = OrganisationForm if full else MailboxForm
    initial = None if full else {"generic_mso_email": organisation.generic_mso_email}
    form = form_class(instance=organisation) if full else form_class(initial=initial)
    if request.method == "POST":
        form = form_class(request.POST, instance=organisation) if full else form_class(request.POST)
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in form.fields}
            mailbox_before = organisation.generic_mso_email
            try:
                saved = services.organisation_update(actor=request.user, organisation=organisation, **fields)
            except (ValidationError, DomainError) as error:
                _add_errors(form, error)
            else:
                messages.success(request, _record_saved_message(request.user, mailbox_before, saved))
                return redirect("mso_registry:organisation_detail", ods_code=form.cleaned_data.get("ods_code", ods_code).upper())
        organisation.refresh_from_db()
    return render(request, "mso_registry/organisation_edit.html", {"organisation": organisation, "form": form})


def _record_saved_message(user, mailbox_before: str, organisation) -> str:
    """Say what happened to a changed mailbox: accepted at once (the registry made it) or sent to the registry."""
    if organisation.generic_mso_email == mailbox_before:
        return "The record is saved."
    if permissions.is_registry_admin(user):
        return "The record is saved; the national list shows the new generic MSO mailbox."
    return "The record is saved. The change of mailbox has been sent to the national registry to accept."


@login_required
@require_POST
def organisation_confirm(request, ods_code):
    organisation = get_object_or_404(selectors.organisations_visible_to(request.user), ods_code=ods_code)
    services.organisation_confirm_record(actor=request.user, organisation=organisation)
    messages.success(request, f"Thank you: {organisation.name}'s record is confirmed as correct today.")
    return redirect("mso_registry:organisation_detail", ods_code=organisation.ods_code)


@login_required
def role_end(request, ods_code, pk):
    """Ending a role is asked first on a page of its own; only the button there ends it."""
    organisation = get_object_or_404(selectors.organisations_visible_to(request.user), ods_code=ods_code)
    assignment = get_object_or_404(RoleAssignment.objects.filter(organisation=organisation).select_related("user"), pk=pk)
    if not permissions.can_assign_role(request.user, organisation, assignment.role):
        raise PermissionDenied
    back = redirect("mso_registry:organisation_detail", ods_code=organisation.ods_code)
    if request.method == "POST" and request.POST.get("confirm") == "end":
        try:
            services.role_end(actor=request.user, assignment=assignment)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"{assignment.user}'s role {assignment.get_role_display()} has ended.")
        return back
    if assignment.end_date is not None:
        messages.info(request, f"{assignment.user}'s role {assignment.get_role_display()} has already ended.")
        return back
    if request.method == "POST":  # a button from a page made before this step: ask first
        return redirect("mso_registry:role_end", ods_code=organisation.ods_code, pk=assignment.pk)
    return render(request, "mso_registry/role_end_confirm.html", {
        "organisation": organisation, "assignment": assignment, "today": timezone.localdate(),
        "tells_registry": assignment.role in (Role.MSO, Role.BOARD_DIRECTOR),
    })
