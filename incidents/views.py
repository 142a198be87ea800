"""Incident pages. Each view reads through a selector scoped to the user, validates with a form
and calls one service; a refusal from a service becomes a message on the page."""

from django import forms

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from audit.selectors import history_of
from core.domain import DomainError
from core.pagination import BoundedPaginator
from core.sessions import session_activity_record
from core.throttle import Window, client_address
from mso_registry.models import Organisation
from submissions.services import DRAFT_ALREADY_SAVED, FIELD_NAME as SUBMISSION_KEY, AlreadySubmitted

from . import charts, permissions, psirf_views, selectors, services
from .filters import ReviewQueueFilter
from .forms import (
    AcknowledgeForm,
    ActionForm,
    BulletinForm,
    DashboardFilterForm,
    EscalateForm,
    FeedbackForm,
    FollowUpForm,
    GradeForm,
    IncidentReportForm,
    LearningForm,
    medicine_formset,
)
from .lfpse.selectors import lfpse_card
from .models import TRANSITIONS_BY_NAME, IncidentAction, LearningBulletin, MedicationIncident
from .recipients import NO_DIRECTOR, board_directors
from .validators import HIGH_ALERT_MEDICINE_WORDS

RECEIPT_SESSION_KEY = "incident_receipts"
QUEUE_COUNT_LIMIT = 2000  # 80 pages; past that the queue asks for a narrower filter
# Wrong follow-up codes: per client address, and per report whatever the address (a guesser
# with many addresses). Counted in the shared cache, which production requires.
FOLLOW_UP_BY_ADDRESS = Window("follow-up-address", limit=20, seconds=3600)
FOLLOW_UP_BY_REPORT = Window("follow-up-report", limit=10, seconds=3600)


def _field_anchor(form, name) -> str:
    """The id to link to: a group of radios or checkboxes is reached through its first option."""
    if name not in form.fields:
        return ""
    bound = form[name]
    multiple = isinstance(bound.field.widget, (forms.RadioSelect, forms.CheckboxSelectMultiple))
    return f"{bound.auto_id}_0" if multiple else bound.auto_id


def _error_summary(form, formset, problem: str = "") -> list[tuple[str, str]]:
    """(field id, message) for every error, so the summary at the top links to each field."""
    items = [("", problem)] if problem else []
    for name, errors in form.errors.items():
        items += [(_field_anchor(form, name), str(e)) for e in errors]
    medicine_items = []
    for number, medicine_form in enumerate(formset.forms, start=1):
        for name, errors in medicine_form.errors.items():
            medicine_items += [(_field_anchor(medicine_form, name), f"Medicine {number}: {e}") for e in errors]
    # "Add at least one medicine" says again what the empty first medicine's own message says.
    if not medicine_items:
        medicine_items = [("medicines", str(e)) for e in formset.non_form_errors()]
    return items + medicine_items


@login_required
def incident_report(request):
    organisations = permissions.organisations_user_reports_for(request.user)
    if not organisations:
        raise PermissionDenied("You need a role in an organisation to report for it.")
    queryset = Organisation.objects.filter(pk__in=[o.pk for o in organisations]).order_by("name")
    form = IncidentReportForm(request.POST or None, organisations=queryset)
    formset = medicine_formset(request.POST or None)
    problem = ""
    if request.method == "POST" and form.is_valid() & formset.is_valid():
        data = form.cleaned_data
        key = request.POST.get(SUBMISSION_KEY, "")
        try:
            with transaction.atomic():
                incident, code = services.incident_report(
                    reporter=request.user,
                    organisation=data["organisation"],
                    anonymous=data["anonymous"],
                    occurred_at=data["occurred_at"],
                    department=data["department"],
                    stage=data["stage"],
                    error_types=data["error_types"],
                    physical_harm=data["physical_harm"],
                    psychological_harm=data["psychological_harm"],
                    never_event=data["never_event"],
                    description=data["description"],
                    immediate_action=data["immediate_action"],
                    contributing_factors=data["contributing_factors"],
                    nhs_number=data["nhs_number"],
                    wants_feedback=data["wants_feedback"],
                    medicines=[f.cleaned_data for f in formset.forms if f.cleaned_data],
                    submission_key=key,
                )
                _receipt_remember(request, incident, code)
        except AlreadySubmitted as first:
            return _report_received_again(request, first.target, key)
        except DomainError as error:
            problem = str(error)
        else:
            return redirect("incidents:incident_receipt", reference=incident.reference)
    return render(
        request,
        "incidents/incident_form.html",
        {
            "form": form,
            "formset": formset,
            "single_organisation": organisations[0] if len(organisations) == 1 else None,
            "error_summary": _error_summary(form, formset, problem) if form.is_bound else [],
            "high_alert_words": HIGH_ALERT_MEDICINE_WORDS,
            # What the blank form depends on, as the key of its cached rendering.
            "organisation_key": "|".join(f"{o.pk}:{o.name}" for o in queryset),
        },
    )


def _receipt_remember(request, incident, code) -> None:
    """What the receipt page needs, saved in the report's own transaction: once it commits, showing
    the receipt writes nothing more that could fail (config.middleware.SessionMiddleware)."""
    receipts = request.session.get(RECEIPT_SESSION_KEY, {})
    receipts[incident.reference] = code or ""
    request.session[RECEIPT_SESSION_KEY] = receipts
    session_activity_record(request.session)
    request.session.save()
    request.session.modified = False  # saved here: the middleware need not write it again after the commit


def _report_received_again(request, incident, key):
    """The same form sent again (a double click, a retry after an error page): nothing new is made,
    and the reporter lands on the first report's receipt; an anonymous one with a new code."""
    with transaction.atomic():
        code = (
            services.incident_follow_up_code_reissue(incident=incident, reporter=request.user, submission_key=key)
            if incident.is_anonymous else None
        )
        _receipt_remember(request, incident, code)
    messages.info(
        request,
        f"This report was already received as {incident.reference}; it has not been sent twice."
        + (" Below is a new follow-up code: any code shown before for this report no longer works." if code else ""),
    )
    return redirect("incidents:incident_receipt", reference=incident.reference)


@never_cache
@login_required
def incident_receipt(request, reference):
    """The receipt: the reference, and for an anonymous report its follow-up code, shown once."""
    receipts = request.session.get(RECEIPT_SESSION_KEY, {})
    just_reported = reference in receipts
    code = receipts.get(reference, "")
    if code:
        # The code is shown once; a reload shows the receipt without it.
        receipts[reference] = ""
        request.session[RECEIPT_SESSION_KEY] = receipts
    if just_reported:
        # Anonymous reports are linked to nobody, so the session's record of this submission is the
        # only thing that lets the reporter see this receipt, and only straight after reporting.
        incident = get_object_or_404(MedicationIncident.objects.select_related("organisation"), reference=reference)
    else:
        incident = get_object_or_404(selectors.incidents_visible_to(request.user), reference=reference)
    return render(
        request,
        "incidents/incident_receipt.html",
        {"incident": incident, "code": code, "just_reported": just_reported},
    )


@never_cache
def incident_follow_up(request):
    """Without signing in: the status and feedback of an anonymous report, given its code."""
    form = FollowUpForm(request.POST or None)
    incident = None
    if request.method == "POST" and form.is_valid():
        # Each attempt takes a place in both windows before the code is checked, so parallel
        # guesses cannot slip past the limit; a correct code gives its places back.
        buckets = [
            (FOLLOW_UP_BY_ADDRESS, client_address(request)),
            (FOLLOW_UP_BY_REPORT, form.cleaned_data["reference"].strip().upper()),
        ]
        allowed = all([window.take(bucket) for window, bucket in buckets])
        if allowed:
            incident = selectors.incident_by_follow_up_code(
                reference=form.cleaned_data["reference"], code=form.cleaned_data["code"]
            )
        if not allowed or incident is not None:
            for window, bucket in buckets:
                window.give_back(bucket)
        if not allowed:
            form.add_error(None, "Too many codes that did not match. Try again in an hour.")
        elif incident is None:
            form.add_error(
                None, "The reference and follow-up code do not match a report. Check both against your receipt."
            )
    return render(request, "incidents/follow_up.html", {"form": form, "incident": incident})


@login_required
def my_reports(request):
    page = Paginator(selectors.my_reports(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "incidents/my_reports.html", {"page": page})


@login_required
def review_queue(request):
    if not permissions.review_organisation_ids(request.user):
        raise PermissionDenied("Only the MSO team reviews incidents.")
    queue = ReviewQueueFilter(request.GET or None, queryset=selectors.review_queue(request.user))
    page = BoundedPaginator(queue.qs, 25, limit=QUEUE_COUNT_LIMIT).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "incidents/review_queue.html",
        {"filter": queue, "page": page, "query": query.urlencode()},
    )


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
            action_form=forms.get("action_form")
            or ActionForm(owners=selectors.action_owner_choices(incident.organisation_id)),
            action_owners=list(selectors.action_owner_choices(incident.organisation_id)),
            feedback_form=forms.get("feedback_form") or FeedbackForm(initial={"feedback": incident.feedback}),
            escalate_form=forms.get("escalate_form") or EscalateForm(),
            history=history_of(incident)[:50],
            candour=next((r for r in incident.candour_records.all() if r.is_live), None),
            psirf=psirf_views.incident_card(request, incident, forms.get("psirf_form")),
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


def dashboard_for_request(request, *, foreign_is_404: bool = False) -> tuple:
    """The dashboard's filter form, organisation and figures for this reader, shared by the page and
    its download. An organisation that is not the reader's: the page shows their first with the
    form's error; the download (foreign_is_404) is not found."""
    organisations = list(selectors.dashboard_organisations(request.user))
    if not organisations:
        raise PermissionDenied("The dashboard is for the MSO team and the board director.")
    data = request.GET.copy()
    if not data.get("date_from") and not data.get("date_to"):
        data["date_from"] = selectors.dashboard_default_start().isoformat()
    form = DashboardFilterForm(data, organisations=organisations)
    form.is_valid()  # a wrong field says so beside itself; the valid ones still apply
    filters = form.cleaned_data
    if not filters.get("date_from") and not filters.get("date_to"):
        filters["date_from"] = selectors.dashboard_default_start()  # never ten years by mistake
    if foreign_is_404 and "organisation" in form.errors:
        raise Http404("No such organisation among yours.")
    organisation = filters.get("organisation") or organisations[0]
    figures = selectors.dashboard(
        organisation=organisation,
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
        department=filters.get("department") or "",
    )
    return form, organisation, figures


@login_required
def dashboard(request):
    form, organisation, figures = dashboard_for_request(request)
    return render(
        request,
        "incidents/dashboard.html",
        {"form": form, "organisation": organisation, "figures": figures, "charts": charts.dashboard_charts(figures),
         "query": request.GET.urlencode()},
    )


# --- learning bulletins ---------------------------------------------------------------------------


@login_required
def bulletin_list(request):
    if not permissions.bulletin_reader_organisation_ids(request.user):
        raise PermissionDenied("Learning bulletins are for the people who work for an organisation.")
    bulletins = list(selectors.bulletins_for_list(request.user)[:100])
    writer_ids = permissions.review_organisation_ids(request.user)
    for bulletin in bulletins:
        bulletin.show_counts = bulletin.organisation_id in writer_ids
    return render(request, "incidents/bulletins/bulletin_list.html", {
        "bulletins": bulletins, "can_write": bool(writer_ids),
    })


@login_required
def bulletin_create(request):
    organisations = permissions.bulletin_writer_organisations(request.user)
    if not organisations:
        raise PermissionDenied("Only the MSO team writes learning bulletins.")
    form = BulletinForm(
        request.POST or None,
        organisations=Organisation.objects.filter(pk__in=[o.pk for o in organisations]).order_by("name"),
        incidents=selectors.closed_incidents_for_bulletin([o.pk for o in organisations]),
    )
    if request.method == "POST" and form.is_valid():
        try:
            bulletin = services.bulletin_create(
                actor=request.user, submission_key=request.POST.get(SUBMISSION_KEY, ""), **form.cleaned_data
            )
        except AlreadySubmitted as first:
            messages.info(request, DRAFT_ALREADY_SAVED)
            return redirect("incidents:bulletin_detail", pk=first.target.pk)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Draft saved. Read it through, then publish it to your organisation.")
            return redirect("incidents:bulletin_detail", pk=bulletin.pk)
    return render(request, "incidents/bulletins/bulletin_form.html", {"form": form})


@login_required
def bulletin_detail(request, pk):
    bulletin = get_object_or_404(selectors.bulletins_visible_to(request.user), pk=pk)
    services.bulletin_mark_read(user=request.user, bulletin=bulletin)
    can_see_counts = permissions.can_see_read_counts(request.user, bulletin)
    return render(request, "incidents/bulletins/bulletin_detail.html", {
        "bulletin": bulletin,
        "incidents": selectors.bulletin_incident_summaries(bulletin),
        "can_publish": permissions.can_publish_bulletin(request.user, bulletin) and bulletin.status == LearningBulletin.Status.DRAFT,
        "figures": selectors.bulletin_read_figures(bulletin) if can_see_counts else None,
    })


@login_required
@require_POST
def bulletin_publish(request, pk):
    bulletin = get_object_or_404(selectors.bulletins_visible_to(request.user), pk=pk)
    try:
        emailed = services.bulletin_publish(
            actor=request.user, bulletin=bulletin, submission_key=request.POST.get(SUBMISSION_KEY, "")
        )
    except AlreadySubmitted:
        messages.info(request, "This bulletin was already published when you first pressed Publish; nobody is emailed twice.")
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Published: it is on the home page of everyone at {bulletin.organisation.name}, "
                                  f"and {emailed} people are being emailed.")
    return redirect("incidents:bulletin_detail", pk=bulletin.pk)


@login_required
def national_dashboard(request):
    """National counts for the registry administrator, read from the hourly summary."""
    from mso_registry.permissions import is_registry_admin

    if not is_registry_admin(request.user):
        raise PermissionDenied("The national dashboard is for the national registry administrator.")
    figures = selectors.national_dashboard()
    return render(
        request,
        "incidents/national_dashboard.html",
        {"figures": figures, "charts": charts.national_charts(figures)},
    )
