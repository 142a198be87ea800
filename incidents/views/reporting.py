"""Reporting an incident: the form, its receipt, the anonymous reporter's follow-up, and my reports."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache

from core.domain import DomainError
from core.sessions import session_activity_record
from core.throttle import Window, client_address
from submissions.services import FIELD_NAME as SUBMISSION_KEY, AlreadySubmitted

from .. import permissions, selectors, services
from ..forms import FollowUpForm, IncidentReportForm, medicine_formset
from ..models import MedicationIncident
from ..validators import HIGH_ALERT_MEDICINE_WORDS


RECEIPT_SESSION_KEY = "incident_receipts"


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
    form = IncidentReportForm(request.POST or None, organisations=organisations)
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
            "organisation_key": "|".join(f"{o.pk}:{o.name}" for o in organisations),
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
