"""The duty of candour record of an incident: one page for the MSO team, a form per step, and the
written notification as PDF. Reads through the reader-scoped selector; writes through the services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core import pdf
from core.domain import DomainError

from . import candour, candour_services, permissions, selectors
from .candour_forms import FindingsForm, LetterForm, NotPossibleForm, ToldInPersonForm

PRINT_STYLESHEET = "css/candour_letter_print.css"


def _incident(request, reference):
    incident = get_object_or_404(selectors.incident_for_page(request.user, reference))
    if not permissions.can_review(request.user, incident):
        raise PermissionDenied("Only the MSO team keeps the duty of candour record.")
    return incident


def _live(incident):
    return next((r for r in incident.candour_records.all() if r.is_live), None)


def _letter(record, incident) -> str:
    return record.letter_text or candour.letter_draft(candour.letter_facts_of(incident, record.relevant_person))


def _page(request, incident, status=200, **forms):
    record = _live(incident)
    context = {"incident": incident, "record": record,
               "earlier": [r for r in incident.candour_records.all() if not r.is_live]}
    if record:
        context.update(
            in_person_form=forms.get("in_person_form") or ToldInPersonForm(initial={"relevant_person": record.relevant_person}),
            letter_form=forms.get("letter_form") or LetterForm(initial={"letter_text": _letter(record, incident)}),
            findings_form=forms.get("findings_form") or FindingsForm(),
            not_possible_form=forms.get("not_possible_form") or NotPossibleForm(),
        )
    return render(request, "incidents/candour_detail.html", context, status=status)


@login_required
def candour_detail(request, reference):
    return _page(request, _incident(request, reference))


def _step(request, reference, form_class, form_name, call, success):
    incident = _incident(request, reference)
    record = _live(incident)
    if record is None:
        messages.error(request, "The duty of candour does not apply to this incident at its current grade.")
        return redirect("incidents:candour_detail", reference=reference)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, "There is a problem with what you entered; see the form below.")
        return _page(request, incident, status=400, **{form_name: form})
    try:
        message = call(record, form.cleaned_data) or success
    except DomainError as error:
        # What was typed is kept: the page comes back with the form as it was sent.
        messages.error(request, str(error))
        return _page(request, incident, status=400, **{form_name: form})
    messages.success(request, message)
    return redirect("incidents:candour_detail", reference=reference)


@login_required
@require_POST
def candour_in_person(request, reference):
    return _step(
        request, reference, ToldInPersonForm, "in_person_form",
        lambda record, data: candour_services.candour_told_in_person(record=record, actor=request.user, **data) and None,
        "Telling them in person is recorded. Next: send the written notification.",
    )


@login_required
@require_POST
def candour_letter(request, reference):
    def call(record, data):
        if request.POST.get("send"):
            record = candour_services.candour_letter_sent(
                record=record, actor=request.user, sent_on=data["sent_on"], letter_text=data["letter_text"])
            return ("The written notification is recorded as sent. "
                    + ("The duty's notification is complete, in time." if record.completed_in_time
                       else "The duty's notification is complete, after its due date."))
        candour_services.candour_letter_save(record=record, actor=request.user, letter_text=data["letter_text"])
        return "The letter is saved; it is not yet recorded as sent."

    return _step(request, reference, LetterForm, "letter_form", call, "")


@login_required
@require_POST
def candour_findings(request, reference):
    return _step(
        request, reference, FindingsForm, "findings_form",
        lambda record, data: candour_services.candour_findings_shared(record=record, actor=request.user, **data) and None,
        "Sharing the findings is recorded.",
    )


@login_required
@require_POST
def candour_not_possible(request, reference):
    return _step(
        request, reference, NotPossibleForm, "not_possible_form",
        lambda record, data: candour_services.candour_not_possible(record=record, actor=request.user, **data) and None,
        "The reason they could not be told is recorded.",
    )


@login_required
def candour_letter_pdf(request, reference):
    """The letter as it was sent, or the current draft (marked as a draft) before it is sent."""
    incident = _incident(request, reference)
    record = _live(incident)
    if record is None:
        messages.error(request, "The duty of candour does not apply to this incident at its current grade.")
        return redirect("incidents:candour_detail", reference=reference)
    try:
        content = pdf.pdf_from_template(
            "incidents/documents/candour_letter.html",
            {"incident": incident, "record": record, "letter": _letter(record, incident)},
            stylesheet=PRINT_STYLESHEET,
        )
    except pdf.PdfUnavailable as error:
        messages.error(request, str(error))
        return redirect("incidents:candour_detail", reference=reference)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="duty-of-candour-{incident.reference}.pdf"'
    return response
