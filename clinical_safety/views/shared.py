"""What the clinical safety pages share: loading through a scoped selector (another organisation's record
is a 404), a DomainError's reasons onto a form, and a PDF download."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect

from core.domain import DomainError

from .. import documents, selectors
from ..models import Hazard


def _system(request, pk):
    return get_object_or_404(selectors.systems_visible_to(request.user), pk=pk)


def _hazard(request, pk):
    hazards = Hazard.objects.filter(system__in=selectors.systems_visible_to(request.user))
    return get_object_or_404(hazards.select_related("system__organisation", "system__cso", "owner"), pk=pk)


def _safety_case(request, pk):
    return get_object_or_404(selectors.safety_cases_visible_to(request.user), pk=pk)


def _domain_error(form, error: DomainError) -> None:
    for reason in getattr(error, "reasons", None) or [str(error)]:
        form.add_error(None, reason)


def _pdf_response(request, render, filename: str, back) -> HttpResponse:
    """The PDF as a download, or back to its page with the reason when this server cannot render PDFs."""
    try:
        content = render()
    except documents.PdfUnavailable as error:
        messages.error(request, str(error))
        return redirect(back)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
