"""The page where a local administrator (or the registry administrator, for national clients) makes
and revokes API clients. A new token is shown on the answer to the POST that made it, and never again."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.domain import DomainError
from mso_registry.permissions import is_registry_admin

from . import selectors, services
from .forms import ApiClientForm


def _managed_organisations(request):
    organisations = selectors.client_organisations_managed_by(request.user)
    national = is_registry_admin(request.user)
    if not organisations and not national:
        raise PermissionDenied("Only a local administrator or the registry administrator makes API clients.")
    return organisations, national


@login_required
def client_list(request):
    organisations, national = _managed_organisations(request)
    form = ApiClientForm(request.POST or None, organisations=organisations, national=national)
    new_token, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            try:
                client, new_token = services.api_client_create(
                    actor=request.user, organisation=form.cleaned_data["organisation"],
                    name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"],
                )
            except DomainError as error:
                form.add_error(None, str(error))
                status = 400
            else:
                form = ApiClientForm(organisations=organisations, national=national)
        else:
            status = 400
    response = render(request, "api/client_list.html", {
        "form": form, "clients": selectors.api_clients_managed_by(request.user), "new_token": new_token,
    }, status=status)
    if new_token:
        response["Cache-Control"] = "no-store"  # the token must not be kept by a browser or proxy
    return response


@login_required
@require_POST
def client_revoke(request, pk):
    client = get_object_or_404(selectors.api_clients_managed_by(request.user), pk=pk)
    services.api_client_revoke(actor=request.user, client=client)
    messages.success(request, f"{client.name} is revoked: its token no longer works.")
    return redirect("api:client_list")
