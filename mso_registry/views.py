from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from audit.labels import HISTORY_KINDS
from audit.selectors import history_of, history_of_organisation
from core.domain import DomainError
from core.spreadsheets import dataset_download, formula_safe
from submissions.services import DRAFT_ALREADY_SAVED, FIELD_NAME as SUBMISSION_KEY, AlreadySubmitted

from . import permissions, selectors, services
from .filters import DirectoryFilter
from .forms import (
    CommunicationAcknowledgeForm,
    CommunicationForm,
    CommunicationTrackingFilter,
    HandoverItemForm,
    HandoverStartForm,
    ImportForm,
    MailboxForm,
    OrganisationForm,
    ProfessionalDetailsForm,
    ReasonForm,
    RoleAssignForm,
    TrainingForm,
)
from .models import (
    ACKNOWLEDGEMENT_TRANSITIONS,
    ChangeOfDetailsRequest,
    CommunicationRecipient,
    HandoverItem,
    NationalCommunication,
    ProfessionalDetails,
    Role,
    RoleAssignment,
)
from .national_list import change_requests_with_mismatch

User = get_user_model()


def emailed_sentence(people) -> str:
    """"Dr A and Helen Morgan have been emailed.": only the people a service really emailed."""
    names = [str(person) for person in people]
    if not names:
        return "Nobody was emailed."
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"{joined} {'has' if len(names) == 1 else 'have'} been emailed."


def _registry_admin_only(request):
    if not permissions.is_registry_admin(request.user):
        raise PermissionDenied("Only the national registry administrator may see this page.")


def _add_errors(form, error: ValidationError | DomainError):
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages if isinstance(error, ValidationError) else str(error))


@login_required
def organisation_list(request):
    if not permissions.is_registry_admin(request.user):
        organisations = selectors.organisations_visible_to(request.user).order_by("name")
        return render(request, "mso_registry/organisation_list.html", {"organisations": organisations})
    directory = DirectoryFilter(request.GET, queryset=selectors.organisations_with_current_mso().order_by("name"))
    page = Paginator(selectors.directory_rows(directory.qs), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "mso_registry/directory.html",
        {
            "filter": directory,
            "page": page,
            "rows": [(organisation, selectors.directory_holders(organisation)) for organisation in page.object_list],
            "summary": selectors.directory_summary(directory.qs),
            "query": query.urlencode(),
            "pending_changes": selectors.change_requests_for_registry(ChangeOfDetailsRequest.Status.SUBMITTED).count(),
        },
    )


@login_required
def directory_export(request, file_format):
    """The filtered national MSO list as CSV or XLSX."""
    import tablib

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


# --- people and the CSO register ---------------------------------------------------------------


@login_required
def person_detail(request, pk):
    person = get_object_or_404(selectors.people_visible_to(request.user), pk=pk)
    can_edit = permissions.can_edit_person(request.user, person)
    details = ProfessionalDetails.objects.filter(user=person).first() or ProfessionalDetails(user=person)
    details_form, training_form = ProfessionalDetailsForm(instance=details), TrainingForm()
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if "course" in request.POST:
            training_form = TrainingForm(request.POST)
            if training_form.is_valid():
                try:
                    services.clinical_safety_training_record(actor=request.user, person=person, **training_form.cleaned_data)
                except DomainError as error:
                    training_form.add_error(None, str(error))
                else:
                    messages.success(request, "The training is recorded.")
                    return redirect("mso_registry:person_detail", pk=person.pk)
        else:
            details_form = ProfessionalDetailsForm(request.POST, instance=ProfessionalDetails(user=person))
            if details_form.is_valid():
                fields = {name: details_form.cleaned_data[name] for name in details_form.fields}
                services.professional_details_update(actor=request.user, person=person, **fields)
                messages.success(request, "Professional details saved.")
                return redirect("mso_registry:person_detail", pk=person.pk)
    return render(
        request,
        "mso_registry/person_detail.html",
        {
            "person": person,
            "details": details if details.pk else None,
            "roles": RoleAssignment.objects.filter(user=person).select_related("organisation").order_by("-start_date"),
            "training": person.clinical_safety_training.all(),
            "signing_refusals": selectors.cso_signing_refusals(person),
            "is_cso": RoleAssignment.objects.current().filter(user=person, role="cso").exists(),
            "can_edit": can_edit,
            "details_form": details_form,
            "training_form": training_form,
            "history": history_of(details)[:20] if details.pk else [],
        },
    )


# --- change-of-details requests -------------------------------------------------------------------


@login_required
def change_request_list(request):
    _registry_admin_only(request)
    status = request.GET.get("status", ChangeOfDetailsRequest.Status.SUBMITTED)
    if status not in ChangeOfDetailsRequest.Status.values and status != "all":
        status = ChangeOfDetailsRequest.Status.SUBMITTED
    requests = selectors.change_requests_for_registry(None if status == "all" else status)
    page = Paginator(requests, 50).get_page(request.GET.get("page"))
    page.object_list = change_requests_with_mismatch(page.object_list)
    return render(
        request,
        "mso_registry/change_requests.html",
        {"page": page, "status": status, "statuses": ChangeOfDetailsRequest.Status.choices, "query_form": ReasonForm()},
    )


def _reason(request) -> str:
    """The reason typed in a one-field form, checked as a form field is (no NUL characters, 2,000
    characters at most); an empty one is left to the service, which says why it is needed."""
    reason = request.POST.get("reason", "")
    if not reason.strip():
        return reason
    form = ReasonForm({"reason": reason})
    if not form.is_valid():
        raise DomainError(f"The reason: {' '.join(form.errors['reason'])}")
    return form.cleaned_data["reason"]


@login_required
@require_POST
def change_request_decide(request, pk, decision):
    if decision not in ("accept", "query"):
        raise Http404
    change = get_object_or_404(selectors.change_requests_visible_to(request.user), pk=pk)
    _registry_admin_only(request)  # after the look-up: another organisation's request is not found
    try:
        if decision == "accept":
            services.change_request_accept(actor=request.user, request=change)
            messages.success(request, f"Accepted: the national list now shows {change.value_after or 'a vacancy'}.")
        else:
            change = services.change_request_query(actor=request.user, request=change, note=_reason(request))
            if change.emailed:
                messages.success(request, f"Your query has been emailed to {change.organisation.name} ({change.emailed[0]}).")
            else:
                messages.warning(
                    request,
                    f"Your query is recorded, but nobody was emailed: {change.organisation.name} has no generic MSO "
                    "mailbox and the request has no requester to write to. Contact the organisation directly.",
                )
    except DomainError as error:
        messages.error(request, str(error))
    return redirect("mso_registry:change_request_list")


# --- handover ---------------------------------------------------------------------------------------


@login_required
def handover_start(request, ods_code):
    organisation = get_object_or_404(selectors.organisations_visible_to(request.user), ods_code=ods_code)
    if not permissions.can_start_handover(request.user, organisation):
        raise PermissionDenied
    existing = selectors.open_handover_of(organisation)
    if existing:
        messages.info(request, "A handover is already in progress.")
        return redirect("mso_registry:handover_detail", pk=existing.pk)
    form = HandoverStartForm(organisation=organisation)
    if request.method == "POST":
        form = HandoverStartForm(request.POST, organisation=organisation)
        if form.is_valid():
            data = form.cleaned_data
            try:
                from django.db import transaction

                with transaction.atomic():
                    successor, invited = data["successor"], False
                    if successor is None:
                        successor, invited = services.successor_invite(
                            email=data["successor_email"], full_name=data["successor_name"]
                        )
                    handover = services.handover_start(
                        actor=request.user,
                        organisation=organisation,
                        successor=successor,
                        leaving_date=data["leaving_date"],
                        successor_start_date=data["successor_start_date"],
                        covering_deputy=data["covering_deputy"],
                        invited=invited,
                    )
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"Handover started. {emailed_sentence(handover.emailed)}")
                return redirect("mso_registry:handover_detail", pk=handover.pk)
    return render(request, "mso_registry/handover_start.html", {"organisation": organisation, "form": form})


@login_required
def handover_detail(request, pk):
    handover = get_object_or_404(selectors.handovers_visible_to(request.user), pk=pk)
    items = list(handover.items.select_related("owner", "done_by"))
    for item in items:
        item.can_tick = permissions.can_tick_handover_item(request.user, item) and not item.done_on_completion
        item.form = HandoverItemForm(initial={"done": item.done, "evidence": item.evidence}, prefix=f"item{item.pk}")
    return render(
        request,
        "mso_registry/handover_detail.html",
        {
            "handover": handover,
            "leaver_items": [i for i in items if not i.for_successor],
            "successor_items": [i for i in items if i.for_successor],
            "completion_refusals": services.handover_completion_refusals(handover),
            "can_run": permissions.can_run_handover(request.user, handover),
            "can_view_organisation": permissions.can_view_organisation(request.user, handover.organisation),
            "is_leaver": handover.outgoing.user_id == request.user.pk,
            "waiting_change_requests": handover.change_requests.filter(status=ChangeOfDetailsRequest.Status.SUBMITTED),
            "today": timezone.localdate(),
            "history": history_of(handover)[:50],
        },
    )


@login_required
@require_POST
def handover_item_update(request, pk):
    item = get_object_or_404(
        HandoverItem.objects.filter(handover__in=selectors.handovers_visible_to(request.user)).select_related("handover"),
        pk=pk,
    )
    form = HandoverItemForm(request.POST, prefix=f"item{item.pk}")
    if form.is_valid():
        try:
            services.handover_item_update(actor=request.user, item=item, **form.cleaned_data)
        except DomainError as error:
            messages.error(request, f"{item.title}: {error}")
        else:
            messages.success(request, f"{item.title}: {'done' if form.cleaned_data['done'] else 'open again'}.")
    else:
        messages.error(request, f"{item.title}: the evidence is too long (2,000 characters at most).")
    return redirect(f"{handover_url(item.handover_id)}#item-{item.pk}")


def handover_url(pk):
    from django.urls import reverse

    return reverse("mso_registry:handover_detail", args=[pk])


@login_required
@require_POST
def handover_transition(request, pk, action):
    if action not in ("complete", "cancel"):
        raise Http404
    handover = get_object_or_404(selectors.handovers_visible_to(request.user), pk=pk)
    try:
        if action == "complete":
            handover = services.handover_complete(actor=request.user, handover=handover)
            moved = ", ".join(result.summary for result in handover.moved if result.moved)
            messages.success(
                request,
                f"Handover complete: {handover.successor} is now the MSO."
                + (f" Moved to them: {moved}." if moved else "")
                + f" {emailed_sentence(handover.emailed)}",
            )
        else:
            handover = services.handover_cancel(actor=request.user, handover=handover, reason=_reason(request))
            messages.success(
                request,
                "The handover is cancelled; the outgoing MSO stays in post and the change-of-details request is "
                f"withdrawn. {emailed_sentence(handover.emailed)}",
            )
    except DomainError as error:
        messages.error(request, str(error))
    return redirect(handover_url(handover.pk))


# --- national communications ------------------------------------------------------------------------


@login_required
def communication_list(request):
    """The administrator: every communication with its acknowledgement counts. An MSO team (or a
    board director): the communications their organisations received, with where each stands."""
    if permissions.is_registry_admin(request.user):
        page = Paginator(selectors.communications_for_registry(), 25).get_page(request.GET.get("page"))
        return render(request, "mso_registry/communications/communication_list.html", {"page": page, "is_admin": True})
    copies = selectors.communication_recipients_visible_to(request.user).order_by("-communication__sent_at", "organisation__name")
    page = Paginator(copies, 25).get_page(request.GET.get("page"))
    return render(request, "mso_registry/communications/communication_list.html", {"page": page, "is_admin": False})


@login_required
def communication_create(request):
    if not permissions.can_send_communications(request.user):
        raise PermissionDenied("Only the national registry administrator writes national communications.")
    form = CommunicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            communication = services.communication_create(
                actor=request.user, submission_key=request.POST.get(SUBMISSION_KEY, ""), **form.cleaned_data
            )
        except AlreadySubmitted as first:
            messages.info(request, DRAFT_ALREADY_SAVED)
            return redirect("mso_registry:communication_detail", pk=first.target.pk)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Draft saved. Check the recipients, then send it.")
            return redirect("mso_registry:communication_detail", pk=communication.pk)
    return render(request, "mso_registry/communications/communication_form.html", {"form": form})


@login_required
def communication_detail(request, pk):
    """The administrator: a draft's recipients before sending, then the tracking of who has acknowledged.
    An MSO team: the message and their organisation's response."""
    communication = get_object_or_404(selectors.communications_visible_to(request.user), pk=pk)
    context = {"communication": communication, "audience": selectors.audience_description(communication.audience)}
    if permissions.is_registry_admin(request.user):
        if communication.status == NationalCommunication.Status.DRAFT:
            context["preview"] = selectors.communication_audience_summary(communication.audience)
        else:
            tracking = CommunicationTrackingFilter(request.GET or None)
            filters = tracking.cleaned_data if tracking.is_valid() else {}
            rows = selectors.communication_tracking(communication, **filters)
            query = request.GET.copy()
            query.pop("page", None)
            context.update({
                "tracking": tracking,
                "page": Paginator(rows, 50).get_page(request.GET.get("page")),
                "counts": selectors.communication_counts(communication),
                "query": query.urlencode(),
            })
        return render(request, "mso_registry/communications/communication_detail.html", context)
    copies = selectors.communication_copies_for(request.user, communication)
    for copy in copies:
        copy.can_acknowledge = permissions.can_acknowledge_communication(request.user, copy)
        copy.moves = ACKNOWLEDGEMENT_TRANSITIONS[copy.state]
    context.update({"copies": copies, "form": CommunicationAcknowledgeForm(), "State": CommunicationRecipient.State})
    return render(request, "mso_registry/communications/communication_detail.html", context)


@login_required
@require_POST
def communication_send(request, pk):
    if not permissions.can_send_communications(request.user):
        raise PermissionDenied("Only the national registry administrator sends national communications.")
    communication = get_object_or_404(selectors.communications_visible_to(request.user), pk=pk)
    try:
        sent_to = services.communication_send(
            actor=request.user, communication=communication, submission_key=request.POST.get(SUBMISSION_KEY, "")
        )
    except AlreadySubmitted:
        messages.info(request, "This was already sent when you first pressed Send; no organisation gets it twice.")
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Sent to {sent_to} organisations. The emails are going out now, in batches.")
    return redirect("mso_registry:communication_detail", pk=communication.pk)


@login_required
def communication_export(request, pk, file_format):
    """The tracking of one communication, filtered as on the page, as CSV or XLSX."""
    import tablib

    if not permissions.is_registry_admin(request.user):
        raise PermissionDenied("Only the national registry administrator downloads the tracking.")
    communication = get_object_or_404(selectors.communications_visible_to(request.user), pk=pk)
    tracking = CommunicationTrackingFilter(request.GET or None)
    filters = tracking.cleaned_data if tracking.is_valid() else {}
    rows = selectors.communication_tracking_table(selectors.communication_tracking(communication, **filters))
    dataset = tablib.Dataset(*map(formula_safe, rows), headers=selectors.TRACKING_COLUMNS, title="Acknowledgements")
    return dataset_download(dataset, name=f"communication-{communication.pk}-acknowledgements", file_format=file_format)


@login_required
@require_POST
def communication_acknowledge(request, pk, state):
    """The MSO or deputy marks their organisation's copy received, or the action complete."""
    if state not in (CommunicationRecipient.State.RECEIVED, CommunicationRecipient.State.COMPLETED):
        raise Http404
    # Only the copies of the user's own organisations: the administrator reads every copy but answers for none.
    copy = get_object_or_404(selectors.communication_copies_of_my_organisations(request.user), pk=pk)
    form = CommunicationAcknowledgeForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["note"]))
        return redirect("mso_registry:communication_detail", pk=copy.communication_id)
    try:
        services.communication_acknowledge(actor=request.user, recipient=copy, state=state, note=form.cleaned_data["note"])
    except DomainError as error:
        messages.error(request, str(error))
    else:
        done = "marked received" if state == CommunicationRecipient.State.RECEIVED else "marked action complete"
        messages.success(request, f"{copy.organisation.name}: {done}.")
    return redirect("mso_registry:communication_detail", pk=copy.communication_id)
