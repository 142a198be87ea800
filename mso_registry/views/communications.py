"""National communications: writing and sending them, tracking who acknowledged, and acknowledging."""

import tablib
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.domain import DomainError
from core.spreadsheets import dataset_download, formula_safe
from submissions.services import DRAFT_ALREADY_SAVED, FIELD_NAME as SUBMISSION_KEY, AlreadySubmitted

from .. import permissions, selectors, services
from ..forms import CommunicationAcknowledgeForm, CommunicationForm, CommunicationTrackingFilter
from ..models import ACKNOWLEDGEMENT_TRANSITIONS, CommunicationRecipient, NationalCommunication


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
