"""Sending a queued version to LFPSE and recording its answer. No transaction or lock is held while
LFPSE takes its time: the row is claimed (committed), the request goes out, and the answer is written
only if the row still carries this send's token (as notification_deliver does)."""

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record

from .models import LfpseRecord, LfpseState, LfpseSubmission

logger = logging.getLogger(__name__)
ENDPOINT = "/adverse-event/fhir/AdverseEvent"
RETRY_STATUSES = {408, 425, 429}


@dataclass(frozen=True)
class Answer:
    kind: str  # "accepted", "rejected" or "retry"
    status: int | None
    lfpse_id: str = ""
    message: str = ""


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(settings.LFPSE_RETRY_AFTER_SECONDS * 2 ** max(attempts - 1, 0), 6 * 3600))


def outcome_message(body) -> str:
    """LFPSE's words from an OperationOutcome: each issue's details text or diagnostics."""
    if not isinstance(body, dict) or body.get("resourceType") != "OperationOutcome":
        return ""
    words = []
    for issue in body.get("issue") or []:
        text = (issue.get("details") or {}).get("text") or issue.get("diagnostics") or issue.get("code") or ""
        if text:
            words.append(str(text))
    return "; ".join(words)


def lfpse_request(resource: dict, *, idempotency_key: str, lfpse_id: str, transport=None) -> Answer:
    """POST a new event (a conditional create on our identifier, so a repeat after an interrupted send
    finds the first) or PUT an update to LFPSE's id. Timeouts, network errors, 5xx, 408 and 429 are
    retried; any other 4xx is LFPSE refusing the content and is not."""
    url = settings.LFPSE_API_URL.rstrip("/") + ENDPOINT
    headers = {
        "Content-Type": "application/fhir+json",
        "Accept": "application/fhir+json",
        "Ocp-Apim-Subscription-Key": settings.LFPSE_API_KEY,
        "X-Request-ID": idempotency_key,
    }
    body = dict(resource)
    if lfpse_id:
        method, url, body["id"] = "PUT", f"{url}/{lfpse_id}", lfpse_id
    else:
        method = "POST"
        identifier = resource.get("identifier") or {}
        headers["If-None-Exist"] = f"identifier={identifier.get('system', '')}|{identifier.get('value', '')}"
    try:
        with httpx.Client(timeout=settings.LFPSE_TIMEOUT_SECONDS, transport=transport) as client:
            response = client.request(method, url, json=body, headers=headers)
    except httpx.HTTPError as error:
        return Answer("retry", None, message=f"{type(error).__name__}: {error}"[:2000])
    try:
        payload = response.json()
    except ValueError:
        payload = None
    if 200 <= response.status_code < 300:
        new_id = (payload or {}).get("id") if isinstance(payload, dict) else ""
        if not new_id:
            new_id = response.headers.get("Location", "").rstrip("/").split("/_history")[0].rsplit("/", 1)[-1]
        if not new_id:
            return Answer("retry", response.status_code, message="LFPSE answered without an id; asking again.")
        return Answer("accepted", response.status_code, lfpse_id=str(new_id))
    message = outcome_message(payload) or response.text[:500] or response.reason_phrase
    if response.status_code >= 500 or response.status_code in RETRY_STATUSES:
        return Answer("retry", response.status_code, message=f"HTTP {response.status_code}: {message}"[:2000])
    return Answer("rejected", response.status_code, message=message[:2000])


def _claim(submission_id: int, token) -> LfpseSubmission | None:
    with transaction.atomic():
        submission = (
            LfpseSubmission.objects.select_for_update(skip_locked=True)
            .filter(pk=submission_id, status=LfpseSubmission.Status.PENDING).first()
        )
        if submission is None:
            return None
        earlier = LfpseSubmission.objects.filter(
            record_id=submission.record_id, version__lt=submission.version, status=LfpseSubmission.Status.SENDING
        ).exists()
        if earlier:
            # An earlier version is in flight: its answer gives the id this one updates.
            submission.next_attempt_at = timezone.now() + timedelta(seconds=30)
            submission.save(update_fields=["next_attempt_at"])
            return None
        submission.attempts += 1
        submission.status = LfpseSubmission.Status.SENDING
        submission.send_token = token
        submission.sending_started_at = timezone.now()
        submission.sent_as_update = bool(submission.record.lfpse_id)
        submission.lfpse_id = submission.record.lfpse_id
        submission.save(update_fields=["attempts", "status", "send_token", "sending_started_at", "sent_as_update", "lfpse_id"])
        return submission


def lfpse_deliver(*, submission_id: int, transport=None) -> LfpseSubmission | None:
    """Send one version unless it is already sent, superseded or being sent; record LFPSE's answer."""
    token = uuid.uuid4()
    submission = _claim(submission_id, token)
    if submission is None:
        return None
    answer = lfpse_request(submission.resource, idempotency_key=submission.idempotency_key,
                           lfpse_id=submission.lfpse_id, transport=transport)
    with transaction.atomic():
        record = LfpseRecord.objects.select_for_update().select_related("incident", "organisation").get(pk=submission.record_id)
        current = LfpseSubmission.objects.select_for_update().get(pk=submission.pk)
        if current.send_token != token:
            logger.warning("LFPSE submission %s was taken back by the sweep while this send ran", submission.pk)
            return current
        current.send_token, current.sending_started_at = None, None
        current.response_status = answer.status
        latest = record.version == current.version
        if answer.kind == "accepted":
            current.status, current.sent_at, current.last_error = LfpseSubmission.Status.ACCEPTED, timezone.now(), ""
            current.lfpse_id = answer.lfpse_id
            record.lfpse_id, record.accepted_version = answer.lfpse_id, current.version
            if latest:
                record.state, record.message = LfpseState.ACCEPTED, ""
            audit_record(actor=None, action="incident.lfpse_accepted", target=record.incident,
                         organisation=record.organisation,
                         changes={"LFPSE reference": [submission.lfpse_id or None, answer.lfpse_id],
                                  "LFPSE version": [None, current.version]})
        elif answer.kind == "rejected":
            current.status, current.last_error = LfpseSubmission.Status.REJECTED, answer.message
            if latest:
                record.state, record.message = LfpseState.REJECTED, answer.message
            audit_record(actor=None, action="incident.lfpse_rejected", target=record.incident,
                         organisation=record.organisation,
                         changes={"LFPSE version": [None, current.version], "LFPSE": [None, answer.message]})
        else:
            current.last_error = answer.message
            if current.attempts >= settings.LFPSE_MAX_ATTEMPTS:
                current.status = LfpseSubmission.Status.FAILED
                if latest:
                    record.state, record.message = LfpseState.FAILED, answer.message
                logger.error("LFPSE submission %s failed for good: %s", current.pk, answer.message)
            else:
                current.status = LfpseSubmission.Status.PENDING
                current.next_attempt_at = timezone.now() + _backoff(current.attempts)
                logger.warning("LFPSE submission %s will be tried again: %s", current.pk, answer.message)
        current.save()
        record.updated_at = timezone.now()
        record.save()
    return current


def lfpse_reclaim_interrupted() -> int:
    """A send left "sending" belongs to a worker that died mid-request: try it again (the create is
    conditional on our identifier and an update is a PUT, so a repeat makes no second event)."""
    cutoff = timezone.now() - timedelta(seconds=settings.LFPSE_IN_DOUBT_AFTER_SECONDS)
    return LfpseSubmission.objects.filter(status=LfpseSubmission.Status.SENDING, sending_started_at__lt=cutoff).update(
        status=LfpseSubmission.Status.PENDING, send_token=None, sending_started_at=None, next_attempt_at=timezone.now(),
        last_error="The send was interrupted; sent again.",
    )


def lfpse_sweep(*, batch_size: int = 100, transport=None) -> int:
    """Send every version that is due, oldest incident version first; returns how many were tried."""
    lfpse_reclaim_interrupted()
    due = list(
        LfpseSubmission.objects.filter(status=LfpseSubmission.Status.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("record_id", "version").values_list("pk", flat=True)[:batch_size]
    )
    for submission_id in due:
        lfpse_deliver(submission_id=submission_id, transport=transport)
    return len(due)
