"""Escalations to the board director: raising one from an incident, the director's list, acknowledging."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.domain import DomainError

from .. import permissions, selectors, services
from ..forms import AcknowledgeForm, EscalateForm
from ..recipients import NO_DIRECTOR
from .detail import _bound_form_action


@login_required
@require_POST
def incident_escalate(request, reference):
    return _bound_form_action(
        request, reference, EscalateForm, "escalate_form",
        lambda incident, data: services.incident_escalate(incident=incident, actor=request.user, **data),
        _escalated_message, allowed=permissions.can_escalate,
    )


def _escalated_message(escalation) -> str:
    """Names only who was emailed: the director, or, with none named, the vacancy's recipients."""
    if escalation.assigned_to:
        return f"Escalated to {escalation.assigned_to}, board director for medication safety, who has been emailed."
    return (f"{NO_DIRECTOR}: the escalation has gone to the MSO team and the national registry administrator as a "
            "vacancy to fill. It becomes the director's when one is named.")


@login_required
def escalation_list(request):
    if not permissions.director_organisation_ids(request.user):
        raise PermissionDenied("Escalations go to the board director for medication safety.")
    page = Paginator(selectors.escalations_for_director(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "incidents/escalation_list.html", {"page": page, "form": AcknowledgeForm()})


@login_required
@require_POST
def escalation_acknowledge(request, pk):
    escalation = get_object_or_404(selectors.escalations_for_director(request.user), pk=pk)
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"{escalation.incident.reference}: {form.errors['comment'][0]}")  # missing or too long
        return redirect("incidents:escalation_list")
    try:
        services.escalation_acknowledge(escalation=escalation, actor=request.user, comment=form.cleaned_data["comment"])
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Escalation of {escalation.incident.reference} acknowledged; the MSO has been told.")
    return redirect("incidents:escalation_list")
