"""One-time submission keys: a form that makes something a person would not want twice carries a
key made when the form was shown; the service that acts on the form claims the key in its own
transaction, so sending the same form again (a double click, a retry after an error page, a lost
connection) finds what the first send made instead of making it again.

A key is signed for the person and the purpose it was shown for (another person's key, or one
from another form, is refused), and only its hash is stored."""

import hashlib
import secrets

from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.db import IntegrityError, models, transaction

from core.domain import DomainError

from .models import SubmissionKey

FIELD_NAME = "submission_key"
# What a person sees when a draft's form comes back with a used key.
DRAFT_ALREADY_SAVED = "This draft was already saved when you first pressed Save; it has not been saved twice."


class AlreadySubmitted(DomainError):
    """This form was sent before and what it made is `target`; the transaction made nothing new."""

    def __init__(self, target):
        super().__init__("This form was already sent and received: nothing has been done twice.")
        self.target = target


class SubmissionKeyRefused(DomainError):
    def __init__(self):
        super().__init__(
            "This form was opened by someone else, or in another sign-in, so it was not sent. "
            "Check what it says and send it again."
        )


def _signer(*, user, purpose: str) -> signing.Signer:
    return signing.Signer(salt=f"medsafety.submission-key:{purpose}:{user.pk}")


def submission_key_new(*, user, purpose: str) -> str:
    """A fresh key for one showing of a form; each showing gets its own."""
    return _signer(user=user, purpose=purpose).sign(secrets.token_urlsafe(16))


def _hash(*, key: str, user, purpose: str) -> str:
    try:
        _signer(user=user, purpose=purpose).unsign(key)
    except signing.BadSignature as error:
        raise SubmissionKeyRefused() from error
    return hashlib.sha256(key.encode()).hexdigest()


def _made_by(claim: SubmissionKey) -> models.Model:
    return claim.content_type.get_object_for_this_type(pk=claim.object_id)


def submission_claim(*, key: str, user, purpose: str, target: models.Model | None = None) -> SubmissionKey | None:
    """Claim the key in the caller's transaction, for `target` when it is known already (a change
    to an existing thing) or, for a new thing, through submission_made once it exists.

    Raises AlreadySubmitted with what the key's first use made, including when a concurrent request
    with the same key commits first (the unique hash is the referee: the loser waits for the
    winner's commit, then finds it). A blank key, from a form shown before keys existed or from a
    script, claims nothing, and the caller goes on as before."""
    if not key:
        return None
    assert transaction.get_connection().in_atomic_block, "claim a submission key inside the change's transaction"
    key_hash = _hash(key=key, user=user, purpose=purpose)
    first = SubmissionKey.objects.filter(key_hash=key_hash).first()
    if first is None:
        claim = SubmissionKey(key_hash=key_hash, purpose=purpose)
        if target is not None:
            claim.content_type, claim.object_id = ContentType.objects.get_for_model(target), target.pk
        try:
            with transaction.atomic():  # a savepoint: the caller's transaction survives the refusal
                claim.save(force_insert=True)
            return claim
        except IntegrityError:
            first = SubmissionKey.objects.get(key_hash=key_hash)
    raise AlreadySubmitted(_made_by(first))


def submission_made(claim: SubmissionKey | None, target: models.Model) -> None:
    """Record what the claimed submission made, in the same transaction."""
    if claim is None:
        return
    claim.content_type, claim.object_id = ContentType.objects.get_for_model(target), target.pk
    claim.save(update_fields=["content_type", "object_id"])


def submission_made_by(*, key: str, user, purpose: str) -> models.Model | None:
    """What a used key made, for its holder; None for a key not used yet."""
    if not key:
        return None
    claim = SubmissionKey.objects.filter(key_hash=_hash(key=key, user=user, purpose=purpose)).first()
    return _made_by(claim) if claim and claim.object_id else None


def submission_key_for(*, user, purpose: str, token: str) -> str:
    """The key for a token a client chose itself (an API's Idempotency-Key): the same token gives the
    same key, signed for the person and purpose like a form's, so it is claimed the same way."""
    return _signer(user=user, purpose=purpose).sign(token)
