"""The MSO team's review: the queue, and the forms on an incident's page."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from core.domain import DomainError
from core.pagination import BoundedPaginator
from submissions.services import FIELD_NAME as SUBMISSION_KEY

from .. import permissions, selectors, services
from ..filters import ReviewQueueFilter
from ..forms import ActionForm, FeedbackForm, GradeForm, LearningForm
from ..models import TRANSITIONS_BY_NAME, IncidentAction
from .detail import _after, _bound_form_action, _incident_or_404


QUEUE_COUNT_LIMIT = 2000  # 80 pages; past that the queue asks for a narrower filter


@login_required
def review_queue(request):
    if not permissions.review_organisation_ids(request.user):
        raise PermissionDenied("Only the MSO team reviews incidents.")
    queue = ReviewQueueFilter(request.GET or None, queryset=selectors.review_queue(request.user))
    rows = queue.qs.only(*selectors.REVIEW_QUEUE_ROW_FIELDS)
    page = BoundedPaginator(rows, 25, limit=QUEUE_COUNT_LIMIT).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "incidents/review_queue.html",
        {"filter": queue, "page": page, "incidents": selectors.review_queue_badges(page), "query": query.urlencode()},
    )


@login_required
@require_POST
def incident_transition(request, reference):
    incident = _incident_or_404(request, reference)
    transition = TRANSITIONS_BY_NAME.get(request.POST.get("transition", ""))
    try:
        incident = services.incident_transition(incident=incident, actor=request.user, transition=request.POST.get("transition", ""))
    except DomainError as error:
        return _after(request, incident, error=error)
    return _after(request, incident, f"{incident.reference}: {transition.label.lower()} done; it is now {incident.get_status_display().lower()}.")


@login_required
@require_POST
def incident_grade(request, reference):
    return _bound_form_action(
        request, reference, GradeForm, "grade_form",
        lambda incident, data: services.incident_grade(incident=incident, actor=request.user, **data),
        "Harm grade saved.", incident=lambda incident: incident,
    )


@login_required
@require_POST
def incident_learning(request, reference):
    return _bound_form_action(
        request, reference, LearningForm, "learning_form",
        lambda incident, data: services.incident_learning_record(incident=incident, actor=request.user, **data),
        "Learning summary saved.",
    )


@login_required
@require_POST
def incident_action_add(request, reference):
    return _bound_form_action(
        request, reference, ActionForm, "action_form",
        lambda incident, data: services.incident_action_add(
            incident=incident, actor=request.user, submission_key=request.POST.get(SUBMISSION_KEY, ""), **data
        ),
        "Action added.", owners=lambda incident: selectors.action_owner_choices(incident.organisation_id),
    )


@login_required
@require_POST
def incident_action_done(request, reference, pk):
    incident = _incident_or_404(request, reference)
    action = get_object_or_404(IncidentAction.objects.filter(incident=incident), pk=pk)
    if not (action.owner_id == request.user.pk or permissions.can_review(request.user, incident)):
        raise PermissionDenied("Only the action's owner or the MSO team marks it done.")
    note = request.POST.get("note", "").strip()
    if not note:
        return _after(request, incident, error="Say what was done and where the evidence is, then mark the action done.")
    try:
        services.incident_action_complete(action=action, actor=request.user, note=note)
    except DomainError as error:
        return _after(request, incident, error=error)
    return _after(request, incident, "Action marked as done, with the evidence.")


@login_required
@require_POST
def incident_feedback(request, reference):
    return _bound_form_action(
        request, reference, FeedbackForm, "feedback_form",
        lambda incident, data: services.incident_feedback_give(incident=incident, actor=request.user, **data),
        "Feedback saved and shared with the reporter.",
    )
