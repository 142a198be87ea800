"""The monthly medication safety report's pages. Thin: load through a scoped selector (another
organisation's report is a 404), validate with a form, change through a service, show its message."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from audit.selectors import history_of
from core.domain import DomainError
from core.spc import Direction
from mso_registry.models import Organisation
from mso_registry.permissions import holds_role

from . import documents, permissions, selectors, services
from .charts import report_charts, xmr_chart
from .forms import NarrativeForm, ReportAcknowledgeForm
from .models import BoardReportStatus


def _report(request, pk):
    return get_object_or_404(selectors.board_reports_visible_to(request.user), pk=pk)


def _issuing_organisations(user):
    ids = selectors.report_organisation_ids(user)
    return [o for o in Organisation.objects.filter(pk__in=ids).order_by("name") if holds_role(user, o, permissions.ISSUING_ROLES)]


@login_required
def report_list(request):
    if not selectors.report_organisation_ids(request.user):
        raise PermissionDenied("Monthly medication safety reports are for the MSO team and the board director.")
    reports = selectors.board_reports_visible_to(request.user).order_by("-month", "organisation__name")[:120]
    return render(request, "board_reports/report_list.html", {
        "reports": reports,
        "issuing_organisations": _issuing_organisations(request.user),
        "last_month": selectors.months_before(selectors.month_start(timezone.localdate()), 1),
    })


@login_required
@require_POST
def report_prepare(request):
    """The MSO may prepare last month's draft now rather than wait for the first working day."""
    organisation = get_object_or_404(Organisation, pk=request.POST.get("organisation") or 0,
                                     pk__in=selectors.report_organisation_ids(request.user))
    if not holds_role(request.user, organisation, permissions.ISSUING_ROLES):
        raise PermissionDenied("Only the MSO or deputy prepares the report.")
    month = selectors.months_before(selectors.month_start(timezone.localdate()), 1)
    report, created = services.board_report_prepare(organisation=organisation, month=month)
    if created:
        messages.success(request, f"The draft for {month:%B %Y} is ready; the MSO team has been emailed the link.")
    else:
        messages.info(request, f"The report for {month:%B %Y} was already prepared.")
    return redirect("board_reports:report_detail", pk=report.pk)


@login_required
def report_detail(request, pk):
    report = _report(request, pk)
    return render(request, "board_reports/report_detail.html",
                  _detail_context(request, report, NarrativeForm(initial={"narrative": report.narrative})))


def _detail_context(request, report, narrative_form) -> dict:
    content = selectors.report_content(report)
    return {
        "report": report,
        "content": content,
        "charts": report_charts(content),
        "directors": selectors.board_directors_of(report.organisation),
        "narrative_form": narrative_form,
        "acknowledge_form": ReportAcknowledgeForm(),
        "can_write": permissions.can_write_narrative(request.user, report),
        "can_acknowledge": permissions.can_acknowledge_report(request.user, report),
        "history": history_of(report),
    }


@login_required
def report_pdf(request, pk):
    report = _report(request, pk)
    try:
        content = documents.board_report_pdf(report)
    except documents.PdfUnavailable as error:
        messages.error(request, str(error))
        return redirect("board_reports:report_detail", pk=report.pk)
    response = HttpResponse(content, content_type="application/pdf")
    name = f"medication-safety-report-{slugify(report.organisation.ods_code)}-{report.month:%Y-%m}-{report.status}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _narrative_or_back(request, report):
    form = NarrativeForm(request.POST)
    if not form.is_valid():
        # Nothing typed is lost: the page is shown again with what was written and the reason.
        return None, render(request, "board_reports/report_detail.html", _detail_context(request, report, form), status=400)
    return form.cleaned_data["narrative"], None


@login_required
@require_POST
def report_narrative(request, pk):
    report = _report(request, pk)
    if not permissions.can_write_narrative(request.user, report) and report.is_draft:
        raise PermissionDenied("Only the MSO or deputy writes the narrative.")
    narrative, refused = _narrative_or_back(request, report)
    if refused:
        return refused
    try:
        services.board_report_save_narrative(report=report, actor=request.user, narrative=narrative)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Narrative saved. The report is still a draft: issue it when it is ready.")
    return redirect("board_reports:report_detail", pk=report.pk)


@login_required
@require_POST
def report_issue(request, pk):
    report = _report(request, pk)
    if report.is_draft and not permissions.can_issue(request.user, report):
        raise PermissionDenied("Only the MSO or deputy issues the report.")
    if not report.is_draft:
        messages.info(request, "This report was already issued; nothing has changed.")
        return redirect("board_reports:report_detail", pk=report.pk)
    narrative, refused = _narrative_or_back(request, report)
    if refused:
        return refused
    try:
        report, directors = services.board_report_issue(report=report, actor=request.user, narrative=narrative)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("board_reports:report_detail", pk=report.pk)
    if directors:
        messages.success(request, f"Issued and frozen. Emailed to the board director ({', '.join(directors)}) to acknowledge.")
    else:
        messages.warning(request, f"Issued and frozen, but {report.organisation.name} has no board director named, so "
                                  "nobody was emailed to acknowledge it. Name one in the registry; they can then acknowledge it here.")
    return redirect("board_reports:report_detail", pk=report.pk)


@login_required
@require_POST
def report_acknowledge(request, pk):
    report = _report(request, pk)
    if report.status == BoardReportStatus.ACKNOWLEDGED:
        messages.info(request, "This report was already acknowledged.")
        return redirect("board_reports:report_detail", pk=report.pk)
    if not permissions.can_acknowledge_report(request.user, report):
        raise PermissionDenied("Only the board director acknowledges an issued report.")
    form = ReportAcknowledgeForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["comment"][0])
        return redirect("board_reports:report_detail", pk=report.pk)
    try:
        services.board_report_acknowledge(report=report, actor=request.user, comment=form.cleaned_data["comment"])
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Acknowledged; the MSO team has been told.")
    return redirect("board_reports:report_detail", pk=report.pk)


@login_required
def national_spc(request):
    if not permissions.can_see_national_spc(request.user):
        raise PermissionDenied("The national view is for the national registry administrator.")
    figures = selectors.national_series()
    labels = figures["labels"]
    england = [
        xmr_chart(key="england-reports", title="Reports per month, England", measure="Reports in England",
                  direction=Direction.INCREASE, labels=labels, values=figures["england"]["reports"]),
        xmr_chart(key="england-harm", title="Incidents causing harm per month, England",
                  measure="Incidents causing harm in England", direction=Direction.DECREASE, labels=labels,
                  values=figures["england"]["harm"]),
    ]
    regions = [
        {"name": r["name"], "charts": [
            xmr_chart(key=f"region-{i}-reports", title=f"Reports per month, {r['name']}", measure=f"Reports in {r['name']}",
                      direction=Direction.INCREASE, labels=labels, values=r["reports"]),
            xmr_chart(key=f"region-{i}-harm", title=f"Incidents causing harm per month, {r['name']}",
                      measure=f"Incidents causing harm in {r['name']}", direction=Direction.DECREASE, labels=labels,
                      values=r["harm"]),
        ]}
        for i, r in enumerate(figures["regions"])
    ]
    return render(request, "board_reports/national_spc.html", {"figures": figures, "england": england, "regions": regions})
