"""Reads of API clients, scoped to who manages them."""

from django.db.models import Q, QuerySet

from mso_registry.models import Organisation, Role
from mso_registry.permissions import is_registry_admin
from mso_registry.selectors import current_roles_of

from .models import ApiClient


def client_organisations_managed_by(user) -> list[Organisation]:
    found = {a.organisation_id: a.organisation for a in current_roles_of(user)
             if a.role == Role.LOCAL_ADMIN and a.organisation_id}
    return sorted(found.values(), key=lambda o: o.name)


def api_clients_managed_by(user) -> QuerySet[ApiClient]:
    """Clients of the organisations the user is local administrator of, and national ones for the
    registry administrator; another organisation's client is not found."""
    scope = Q(organisation__in=[o.pk for o in client_organisations_managed_by(user)])
    if is_registry_admin(user):
        scope |= Q(organisation__isnull=True)
    return ApiClient.objects.filter(scope).select_related("organisation", "created_by", "revoked_by")
