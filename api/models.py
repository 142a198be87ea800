"""API clients: a system (an EPMA, an EPR, a BI team's extract, a national service) that calls the
API with a token. A client belongs to an organisation, or is national (the national MSO list only)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Scope(models.TextChoices):
    INCIDENTS_WRITE = "incidents:write", "Report incidents"
    INCIDENTS_READ = "incidents:read", "Read the organisation's incidents"
    DIRECTORY_READ = "directory:read", "Read the national MSO list"
    CLINICAL_SAFETY_READ = "clinical_safety:read", "Read hazard logs and their issued versions"
    STATS_READ = "stats:read", "Read monthly incident counts"


# A national client has no organisation, so it may read only what is national.
NATIONAL_SCOPES = frozenset({Scope.DIRECTORY_READ})


class ApiClient(models.Model):
    """Its token is shown once when it is made; only a SHA-256 of it is kept, found by its public prefix."""

    name = models.CharField(max_length=120)
    organisation = models.ForeignKey(
        "mso_registry.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="api_clients"
    )
    scopes = models.JSONField(default=list)
    token_prefix = models.CharField(max_length=16, unique=True)
    token_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organisation__name", "name"]
        verbose_name = "API client"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], condition=Q(revoked_at__isnull=True), name="one_live_api_client_name"
            ),
        ]

    def __str__(self):
        return f"{self.name} (API client {self.pk})"

    @property
    def is_national(self) -> bool:
        return self.organisation_id is None

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes
