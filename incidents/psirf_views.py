"""PSIRF pages: the response plan, commissioning a learning response from an incident, the response's
page, and the thematic view that starts a thematic review from a filtered selection."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.domain import DomainError
from mso_registry.models import Organisation

from . import permissions, psirf_selectors, psirf_services, selectors
from .models import ResponseType
from .psirf_forms import CommissionForm, LinkActionsForm, PlanRuleForm, ResponseRecordForm, ThematicFilterForm, ThematicStartForm


def _review_organisations(user):
    organisations = Organisation.objects.filter(pk__in=permissions.review_organisation_ids(user)).order_by("name")
    if not organisations:
        raise PermissionDenied("PSIRF learning responses are kept by the MSO team.")
    return organisations


# --- The response plan --------------------------------------------------------------------------


@login_required
def response_plan(request):
    organisations = _review_organisations(request.user)
    form = PlanRuleForm(request.POST or None, organisations=organisations)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            organisation = data.pop("organisation")
            try:
                rule = psirf_services.plan_rule_add(actor=request.user, organisation=organisation, details=data)
            except DomainError as error:
                messages.error(request, str(error))
                status = 400
            else:
                messages.success(request, f"Added to the plan: {rule}.")
                return redirect("incidents:response_plan")
        else:
            messages.error(request, "There is a problem with the rule; see the form below.")
            status = 400
    rules = psirf_selectors.plan_rules_visible_to(request.user)
    return render(request, "incidents/psirf/response_plan.html", {"rules": rules, "form": form}, status=status)


@login_required
@require_POST
def plan_rule_retire(request, pk):
    rule = get_object_or_404(psirf_selectors.plan_rules_visible_to(request.user), pk=pk)
    try:
        psirf_services.plan_rule_retire(actor=request.user, rule=rule)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Retired from the plan: {rule.name}.")
    return redirect("incidents:response_plan")


# --- Learning responses -------------------------------------------------------------------------


def incident_card(request, incident, form=None, people_rows=None) -> dict:
    """The incident page's PSIRF card: the plan's suggestion, the form to commission one, the responses.
    `people_rows`: the organisation's people as the page has read them for its action forms."""
    suggestion = psirf_services.suggestion_for(incident)
    if form is None:
        people = selectors.action_owner_choices(incident.organisation_id)
        form = CommissionForm(people=people, people_rows=people_rows, initial={
            "response_type": suggestion.response_type if suggestion else None,
            "title": f"{incident.reference}: {incident.get_stage_display().lower()}",
            "lead": request.user.pk,
        })
    return {"suggestion": suggestion, "commission_form": form,
            "can_commission": permissions.can_commission_response(request.user, incident.organisation),
            "responses": list(incident.learning_responses.all())}


@login_required
@require_POST
def response_commission(request, reference):
    from .views import _detail  # the incident page, shown again with the form (here: the views import this module)

    incident = get_object_or_404(selectors.incident_for_page(request.user, reference))
    if not permissions.can_commission_response(request.user, incident.organisation):
        raise PermissionDenied("Only the MSO or deputy MSO commissions a learning response.")
    form = CommissionForm(request.POST, people=selectors.action_owner_choices(incident.organisation_id))
    if form.is_valid():
        try:
            response = psirf_services.response_commission(actor=request.user, incidents=[incident], **form.cleaned_data)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"{response.get_response_type_display()} commissioned, due by "
                                      f"{response.due_date:%-d %B %Y}.")
            return redirect("incidents:response_detail", pk=response.pk)
    else:
        messages.error(request, "There is a problem with the learning response; see the form below.")
    return _detail(request, incident, status=400, psirf_form=form)


@login_required
def response_list(request):
    _review_organisations(request.user)
    responses = psirf_selectors.responses_visible_to(request.user).prefetch_related("incidents")
    return render(request, "incidents/psirf/response_list.html", {"responses": responses})


def _response_page(request, response, status=200, record_form=None, actions_form=None):
    linkable = psirf_services.linkable_actions(response)
    context = {
        "response": response,
        "record_form": record_form or ResponseRecordForm(initial={f: getattr(response, f) for f in psirf_services.RESPONSE_TEXT_FIELDS}),
        "actions_form": actions_form or LinkActionsForm(actions=linkable, initial={"actions": [a.pk for a in response.safety_actions.all()]}),
        "has_actions": linkable.exists(),
        "can_complete": permissions.can_commission_response(request.user, response.organisation),
    }
    return render(request, "incidents/psirf/response_detail.html", context, status=status)


@login_required
def response_detail(request, pk):
    response = get_object_or_404(psirf_selectors.response_for_page(request.user, pk))
    if request.method == "POST":
        form = ResponseRecordForm(request.POST)
        if not form.is_valid():
            messages.error(request, "There is a problem with what you entered; see the form below.")
            return _response_page(request, response, status=400, record_form=form)
        try:
            psirf_services.response_update(actor=request.user, response=response, details=form.cleaned_data)
        except DomainError as error:
            messages.error(request, str(error))
            return _response_page(request, response, status=400, record_form=form)
        messages.success(request, "Saved.")
        return redirect("incidents:response_detail", pk=pk)
    return _response_page(request, response)


@login_required
@require_POST
def response_actions(request, pk):
    response = get_object_or_404(psirf_selectors.response_for_page(request.user, pk))
    form = LinkActionsForm(request.POST, actions=psirf_services.linkable_actions(response))
    if not form.is_valid():
        messages.error(request, "Choose at least one action to link.")
        return _response_page(request, response, status=400, actions_form=form)
    try:
        added = psirf_services.response_link_actions(actor=request.user, response=response, actions=form.cleaned_data["actions"])
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{added} safety action{'s' if added != 1 else ''} linked." if added else "Those actions were already linked.")
    return redirect("incidents:response_detail", pk=pk)


@login_required
@require_POST
def response_complete(request, pk):
    response = get_object_or_404(psirf_selectors.response_for_page(request.user, pk))
    try:
        psirf_services.response_complete(actor=request.user, response=response)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{response.get_response_type_display()} completed.")
    return redirect("incidents:response_detail", pk=pk)


# --- The thematic view --------------------------------------------------------------------------


@login_required
def thematic(request):
    organisations = _review_organisations(request.user)
    filter_form = ThematicFilterForm(request.GET or None)
    filters = filter_form.cleaned_data if filter_form.is_valid() else {}
    matching = psirf_selectors.thematic_incidents(request.user, filters)
    shown = list(matching[:psirf_services.THEMATIC_MAX_INCIDENTS + 1])
    too_many = len(shown) > psirf_services.THEMATIC_MAX_INCIDENTS
    shown = shown[:psirf_services.THEMATIC_MAX_INCIDENTS]
    people = selectors.action_owner_choices(organisations[0].pk)
    start_form = ThematicStartForm(
        request.POST or None, incidents=matching, people=people,
        initial={"incidents": [i.pk for i in shown], "lead": request.user.pk},
    )
    status = 200
    if request.method == "POST":
        if not permissions.can_commission_response(request.user, organisations[0]):
            raise PermissionDenied("Only the MSO or deputy MSO commissions a thematic review.")
        if start_form.is_valid():
            data = start_form.cleaned_data
            try:
                response = psirf_services.response_commission(
                    actor=request.user, incidents=data["incidents"], response_type=ResponseType.THEMATIC, title=data["title"],
                    lead=data["lead"], participants=data["participants"])
            except DomainError as error:
                messages.error(request, str(error))
                status = 400
            else:
                messages.success(request, f"Thematic review started across {response.incidents.count()} incidents.")
                return redirect("incidents:response_detail", pk=response.pk)
        else:
            messages.error(request, "There is a problem with the thematic review; see the form below.")
            status = 400
    return render(request, "incidents/psirf/thematic.html", {
        "filter_form": filter_form, "incidents": shown, "too_many": too_many, "start_form": start_form,
        "summary": psirf_selectors.thematic_summary(shown), "limit": psirf_services.THEMATIC_MAX_INCIDENTS,
        "query": request.GET.urlencode(),
        "can_commission": permissions.can_commission_response(request.user, organisations[0]),
    }, status=status)
