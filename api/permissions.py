"""Who may make and revoke API clients, and what a client may read. The organisation's local
administrator answers for its clients; the registry administrator for national ones."""

from mso_registry.models import Role
from mso_registry.permissions import holds_role, is_registry_admin

from .models import NATIONAL_SCOPES, Scope


def can_manage_api_clients(user, organisation) -> bool:
    if organisation is None:
        return is_registry_admin(user)
    return holds_role(user, organisation, {Role.LOCAL_ADMIN})


def scopes_allowed(organisation) -> set[str]:
    return set(NATIONAL_SCOPES) if organisation is None else set(Scope.values)


def client_reads_organisation(client, organisation_id: int | None) -> bool:
    """A client reads only its own organisation's records: another organisation's is a 404."""
    return client.organisation_id is not None and client.organisation_id == organisation_id
