"""The idle timeout's bookkeeping: a signed-in session records its activity (its row's expiry
pushed back) at most once every SESSION_ACTIVITY_INTERVAL seconds, instead of a row rewrite and a
commit on every page view (SESSION_SAVE_EVERY_REQUEST)."""

from django.conf import settings
from django.utils import timezone

# Seconds since the epoch when the session last recorded activity.
ACTIVITY_KEY = "_activity"


def session_activity_record(session) -> None:
    """Mark the session to be saved, so its expiry is pushed back, when its activity was last
    recorded SESSION_ACTIVITY_INTERVAL seconds ago or more (or never); a session changed anyway
    takes the new stamp with it. The price: a session can end up to a minute before the idle
    timeout counted from the last request, never after it."""
    if not session.accessed or session.is_empty():
        return  # a request that never read the session (static, health) or a signed-out visitor
    now = int(timezone.now().timestamp())
    last = session.get(ACTIVITY_KEY)
    stale = not isinstance(last, int) or not 0 <= now - last < settings.SESSION_ACTIVITY_INTERVAL
    if stale or session.modified:
        session[ACTIVITY_KEY] = now
