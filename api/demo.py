"""The demo's API client: Riverside's local administrator and an EPMA client with a known token, so
that the README's curl example works against `make run`. seed_demo refuses to run in production."""

from django.db import transaction

from mso_registry.models import Organisation, Role, RoleAssignment
from users.demo import demo_user

from .models import ApiClient, Scope
from .services import api_client_create, token_hash

DEMO_TOKEN = "msh_demoriverside_medsafety-demo-api-token-not-for-production"
DEMO_ADMIN = "admin@riverside.example"


def seed(*, password: str) -> tuple[str, str]:
    """Returns the local administrator's email and the client's token."""
    riverside = Organisation.objects.get(ods_code="R9R")
    with transaction.atomic():
        admin = demo_user(DEMO_ADMIN, "Alex Kaur", password)
        if not RoleAssignment.objects.current().filter(user=admin, organisation=riverside, role=Role.LOCAL_ADMIN).exists():
            RoleAssignment.objects.create(user=admin, organisation=riverside, role=Role.LOCAL_ADMIN)
        live = ApiClient.objects.filter(token_hash=token_hash(DEMO_TOKEN), revoked_at__isnull=True).exists()
        if not live:
            # A revoked demo client keeps its row (and history) but gives up the demo token's prefix.
            for old in ApiClient.objects.filter(token_prefix="demoriverside"):
                ApiClient.objects.filter(pk=old.pk).update(token_prefix=f"old{old.pk}")
            api_client_create(actor=admin, organisation=riverside, name="Riverside EPMA (demo)", scopes=list(Scope.values),
                              token=DEMO_TOKEN)
    return DEMO_ADMIN, DEMO_TOKEN
