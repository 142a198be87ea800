"""An action's own page, for its owner whatever their role (and the MSO team): what to do and by
when, the incident as far as an owner needs it, and marking it done with the evidence. The MSO
team gives an action to someone else from the incident page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.domain import DomainError

from . import permissions, selectors, services
from .forms import ActionDoneForm, ActionReassignForm
from .models import IncidentAction


@login_required
def action_detail(request, pk):
    """GET shows the action; POST marks it done with the evidence. Another person's action is a 404."""
    action = get_object_or_404(selectors.action_for_page(request.user, pk))
    form = ActionDoneForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.incident_action_complete(action=action, actor=request.user, note=form.cleaned_data["note"])
            except DomainError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, "Action marked as done, with your evidence. The MSO team can see it.")
            return redirect("incidents:action_detail", pk=action.pk)
        status = 400
    incident = action.incident
    return render(request, "incidents/action_detail.html", {
        "action": action,
        "incident": incident,
        "summary": selectors.incident_summary(incident),
        "can_review": permissions.can_review(request.user, incident),
        "form": form,
    }, status=status)


@login_required
@require_POST
def incident_action_reassign(request, reference, pk):
    """The MSO team gives an open action to someone else; they are emailed."""
    incident = get_object_or_404(selectors.incidents_visible_to(request.user), reference=reference)
    if not permissions.can_review(request.user, incident):
        raise PermissionDenied("Only the MSO team gives actions to people.")
    action = get_object_or_404(IncidentAction.objects.filter(incident=incident), pk=pk)
    form = ActionReassignForm(request.POST, owners=selectors.action_owner_choices(incident.organisation_id))
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    else:
        try:
            action = services.incident_action_reassign(action=action, actor=request.user, owner=form.cleaned_data["owner"])
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"The action is now {action.owner}'s, who has been emailed.")
    return redirect("incidents:incident_detail", reference=incident.reference)
