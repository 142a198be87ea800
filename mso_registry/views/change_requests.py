"""Change-of-details requests, as the registry administrator accepts or queries them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.domain import DomainError

from .. import selectors, services
from ..forms import ReasonForm
from ..models import ChangeOfDetailsRequest
from ..national_list import change_requests_with_mismatch
from .shared import _reason, _registry_admin_only


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
