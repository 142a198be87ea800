"""Anonymous reporters' follow-up codes: made by the services, looked up by the selectors."""

import hashlib
import secrets

# Without I, O, 0 and 1, so that a code read off a phone and typed again is not misread.
FOLLOW_UP_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def follow_up_code_new() -> str:
    raw = "".join(secrets.choice(FOLLOW_UP_ALPHABET) for _ in range(12))
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def follow_up_code_hash(code: str) -> str:
    """Codes are 60 random bits, so a plain SHA-256 is enough and lets the code be looked up."""
    normalised = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return hashlib.sha256(normalised.encode()).hexdigest()
