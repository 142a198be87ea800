"""The incident's page, and what the forms on it share: load it or 404, show it again with a form's
errors, go back to it with a message."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render

from audit.selectors import history_of
from core.domain import DomainError
from submissions.services import AlreadySubmitted

from .. import permissions, psirf_views, selectors, services
from ..forms import OWNER_LABEL_FIELDS, ActionForm, EscalateForm, FeedbackForm, GradeForm, LearningForm, owner_label
from ..lfpse.selectors import lfpse_card
from ..recipients import NO_DIRECTOR, board_directors


def _incident_or_404(request, reference):
    return get_object_or_404(selectors.incident_for_page(request.user, reference))


def _detail(request, incident, status=200, **forms):
    user = request.user
    can_review = permissions.can_review(user, incident)
    context = {
        "incident": incident,
        "can_review": can_review,
        "is_reporter": permissions.can_see_feedback(user, incident),
        "can_escalate": permissions.can_escalate(user, incident),
        "open_escalation": next((e for e in incident.escalations.all() if e.is_open), None),
        "directors": board_directors(incident.organisation_id),
        "no_director": NO_DIRECTOR,
    }
    if can_review:
        # The organisation's people, read once for the action form, each open action's "give to" list and
        # the learning response's lead.
        owners = selectors.action_owner_choices(incident.organisation_id)
        owner_rows = list(owners.values_list("pk", *OWNER_LABEL_FIELDS))
        context.update(
            transitions=[
                t for t in incident.transitions_from_here() if permissions.can_make_transition(user, incident, t)
            ],
            grade_form=forms.get("grade_form")
            or GradeForm(
                incident=incident,
                initial={f: getattr(incident, f) for f in services.GRADE_FIELDS},
            ),
            learning_form=forms.get("learning_form") or LearningForm(initial={"learning_summary": incident.learning_summary}),
            action_form=forms.get("action_form") or ActionForm(owners=owners, owner_rows=owner_rows),
            # (pk, label) rows, written into each open action's "give to" list by a tag, not a loop per action.
            action_owners=[(pk, owner_label(*values)) for pk, *values in owner_rows],
            feedback_form=forms.get("feedback_form") or FeedbackForm(initial={"feedback": incident.feedback}),
            escalate_form=forms.get("escalate_form") or EscalateForm(),
            history=history_of(incident)[:50],
            candour=next((r for r in incident.candour_records.all() if r.is_live), None),
            psirf=psirf_views.incident_card(request, incident, forms.get("psirf_form"), people_rows=owner_rows),
            lfpse=lfpse_card(incident),
        )
    return render(request, "incidents/incident_detail.html", context, status=status)


@login_required
def incident_detail(request, reference):
    return _detail(request, _incident_or_404(request, reference))


def _after(request, incident, message=None, error=None):
    if isinstance(error, AlreadySubmitted):  # the same form sent again: done once, and said so
        messages.info(request, str(error))
    elif error:
        messages.error(request, str(error))
    elif message:
        messages.success(request, message)
    return redirect("incidents:incident_detail", reference=incident.reference)


def _bound_form_action(request, reference, form_class, form_name, call, success, allowed=None, **form_kwargs):
    """Validate a review form; an invalid one re-renders the page with what was typed kept.
    Permission is checked first, so that a refused user learns nothing from the form's errors."""
    incident = _incident_or_404(request, reference)
    if not (allowed or permissions.can_review)(request.user, incident):
        raise PermissionDenied("Your role may not do this.")
    form = form_class(request.POST, **{k: (v(incident) if callable(v) else v) for k, v in form_kwargs.items()})
    if not form.is_valid():
        messages.error(request, "There is a problem with what you entered; see the form below.")
        return _detail(request, incident, status=400, **{form_name: form})
    try:
        result = call(incident, form.cleaned_data)
    except DomainError as error:
        return _after(request, incident, error=error)
    return _after(request, incident, success(result) if callable(success) else success)
