from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from mso_registry.permissions import is_registry_admin

from . import selectors
from .services import lfpse_enabled, mapping_version


@login_required
def submission_rates(request):
    """The national registry administrator: each organisation's incidents as LFPSE has them."""
    if not is_registry_admin(request.user):
        raise PermissionDenied("Submission rates to LFPSE are for the national registry administrator.")
    rows = selectors.lfpse_organisation_rates()
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    totals = {key: sum(r[key] for r in rows) for key in ("due", "accepted", "queued", "held", "rejected", "failed")}
    return render(request, "lfpse/submission_rates.html", {
        "page": page, "totals": totals, "enabled": lfpse_enabled(), "mapping_version": mapping_version(),
    })
