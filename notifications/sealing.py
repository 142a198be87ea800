"""The secret part of an email (a password-reset or sign-in link, an invitation), kept in the
outbox encrypted until the email is sent and then removed: someone who can read the database or
the admin site reads no secret there.

Fernet (AES-128-CBC with an HMAC, from `cryptography`) under a key derived from SECRET_KEY, which
lives outside the database; SECRET_KEY_FALLBACKS still open what older keys sealed."""

import base64
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils.crypto import salted_hmac

_SALT = "notifications.sealing"


class SealBroken(Exception):
    """A sealed part that no current key opens."""


def _fernet() -> MultiFernet:
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return MultiFernet(
        [Fernet(base64.urlsafe_b64encode(salted_hmac(_SALT, "fernet", secret=k, algorithm="sha256").digest())) for k in keys]
    )


def seal(values: dict) -> str:
    return _fernet().encrypt(json.dumps(values).encode()).decode() if values else ""


def unseal(sealed: str) -> dict:
    if not sealed:
        return {}
    try:
        return json.loads(_fernet().decrypt(sealed.encode()))
    except InvalidToken as error:
        raise SealBroken(
            "The email's secret part cannot be opened: was DJANGO_SECRET_KEY changed without keeping the old one "
            "in DJANGO_SECRET_KEY_FALLBACKS?"
        ) from error
