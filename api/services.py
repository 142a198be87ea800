"""Writes of API clients: made with a token shown once, revoked for good; each audited."""

import hashlib
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import audit_record
from core.domain import DomainError, NotAllowed

from .models import ApiClient
from .permissions import can_manage_api_clients, scopes_allowed

TOKEN_PREFIX = "msh_"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_prefix_of(token: str) -> str:
    """The public part of a token (msh_<prefix>_<secret>) that finds its client without a scan."""
    parts = token.split("_", 2)  # the secret itself may hold "_"
    return parts[1] if len(parts) == 3 and parts[0] + "_" == TOKEN_PREFIX and parts[1].isalnum() else ""


def _token_new() -> tuple[str, str]:
    prefix = secrets.token_hex(6)
    return prefix, f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"


def api_client_create(*, actor, organisation, name: str, scopes: list[str], token: str = "") -> tuple[ApiClient, str]:
    """Make a client and return it with its token, which is never shown again (only its hash is kept).
    `token` is for the development demo only, so the README's curl example has a known one."""
    if not can_manage_api_clients(actor, organisation):
        raise NotAllowed("Only the organisation's local administrator (or the registry administrator for a "
                         "national client) makes API clients.")
    name = name.strip()
    if not name:
        raise DomainError("Give the client a name, for example 'EPMA incident feed'.")
    unknown = set(scopes) - scopes_allowed(organisation)
    if unknown or not scopes:
        raise DomainError("Choose at least one scope; a national client may only read the national MSO list."
                          if organisation is None else "Choose at least one scope.")
    prefix, new_token = (token_prefix_of(token), token) if token else _token_new()
    if not prefix:
        raise DomainError("A demo token must look like msh_<prefix>_<secret>.")
    with transaction.atomic():
        try:
            with transaction.atomic():
                client = ApiClient.objects.create(
                    name=name, organisation=organisation, scopes=sorted(set(scopes)), token_prefix=prefix,
                    token_hash=token_hash(new_token), created_by=actor,
                )
        except IntegrityError as error:
            raise DomainError(f"A live client called {name!r} already exists here; revoke it or choose another name.") from error
        audit_record(
            actor=actor, action="api_client.created", target=client, organisation=organisation,
            changes={"name": [None, name], "scopes": [None, client.scopes]},
        )
    return client, new_token


def api_client_revoke(*, actor, client: ApiClient) -> ApiClient:
    """Revoke a client: its token stops working at once. Revoking twice changes nothing."""
    with transaction.atomic():
        client = ApiClient.objects.select_for_update().get(pk=client.pk)
        if not can_manage_api_clients(actor, client.organisation):
            raise NotAllowed("Only the organisation's local administrator revokes its API clients.")
        if client.revoked_at is not None:
            return client
        client.revoked_at, client.revoked_by = timezone.now(), actor
        client.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(
            actor=actor, action="api_client.revoked", target=client, organisation=client.organisation,
            changes={"revoked": [False, True]},
        )
    return client
