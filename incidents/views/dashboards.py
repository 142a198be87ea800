"""The trust dashboard and the national one."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render

from mso_registry.permissions import is_registry_admin

from .. import charts, selectors
from ..forms import DashboardFilterForm


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
    drawn = charts.dashboard_charts(figures)
    return render(
        request,
        "incidents/dashboard.html",
        {"form": form, "organisation": organisation, "figures": figures, "charts": drawn,
         "charts_key": charts.charts_key(drawn), "query": request.GET.urlencode()},
    )


@login_required
def national_dashboard(request):
    """National counts for the registry administrator, read from the hourly summary."""
    if not is_registry_admin(request.user):
        raise PermissionDenied("The national dashboard is for the national registry administrator.")
    figures = selectors.national_dashboard()
    drawn = charts.national_charts(figures)
    return render(
        request,
        "incidents/national_dashboard.html",
        {"figures": figures, "charts": drawn, "charts_key": charts.charts_key(drawn)},
    )
