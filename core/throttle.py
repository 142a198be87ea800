"""Throttles that hold across workers: atomic counters in the shared cache, and the client's
address as the proxies we run behind report it (never a header a client could set itself)."""

import hashlib

from allauth.account.adapter import get_adapter
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, unless TRUSTED_CLIENT_IP_HEADER or TRUSTED_PROXY_COUNT
    say which header our own proxies fill in. allauth's sign-in rate limits read the same one."""
    try:
        return get_adapter(request).get_client_ip(request)
    except (ImproperlyConfigured, PermissionDenied):
        # Fewer X-Forwarded-For entries than trusted proxies (the request came round them) or
        # none at all: the peer we see is the only address we know.
        return request.META.get("REMOTE_ADDR", "")


class Window:
    """At most `limit` uses of a bucket per `seconds`, counted with the cache's atomic add and
    incr (Redis INCR in production), so concurrent requests cannot both take the last one."""

    def __init__(self, name: str, *, limit: int, seconds: int):
        self.name, self.limit, self.seconds = name, limit, seconds

    def key(self, bucket: str) -> str:
        # Hashed: a bucket is typed by a stranger, and a cache key must be short and plain.
        return f"throttle:{self.name}:{hashlib.sha256(bucket.encode()).hexdigest()[:32]}"

    def take(self, bucket: str) -> bool:
        """Count one use; False when the bucket was already full (the use is still counted)."""
        key = self.key(bucket)
        cache.add(key, 0, self.seconds)
        try:
            used = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 0, self.seconds)
            used = cache.incr(key)
        if used == 1:
            # The window starts with its first use; this also bounds a counter that INCR
            # re-created without an expiry after the old one expired under it.
            cache.touch(key, self.seconds)
        return used <= self.limit

    def give_back(self, bucket: str) -> None:
        """Return a use that turned out not to count (a correct code)."""
        try:
            cache.decr(self.key(bucket))
        except ValueError:  # the window has ended meanwhile
            pass
