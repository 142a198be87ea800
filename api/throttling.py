"""Per-client rate limits, counted in the shared cache (Redis in production), so every worker counts
the same calls. A client over its limit gets 429 with Retry-After."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class ApiClientRateThrottle(SimpleRateThrottle):
    scope = "api_client"

    def get_rate(self):
        return settings.API_RATE_LIMIT

    def get_cache_key(self, request, view):
        client = request.auth
        if client is None:
            return None  # refused by authentication before it matters
        return self.cache_format % {"scope": self.scope, "ident": client.pk}
