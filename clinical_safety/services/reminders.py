"""Hazard reviews that are due: the owner is reminded once per review date."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from notifications.selectors import idempotency_keys_already_queued
from notifications.services import notification_queue

from ..models import Hazard, HazardStatus


def _review_key(hazard: Hazard, email: str) -> str:
    return f"hazard-{hazard.pk}-review-{hazard.review_date.isoformat()}-{email}"


def hazard_review_reminders_send(*, today=None) -> int:
    """Tell each hazard's owner and its system's CSO, once per review date, that the date has passed
    and the hazard is still open or transferred. A new review date gets its own reminder when it
    passes. Returns how many emails were queued."""
    today = today or timezone.localdate()
    overdue = (
        Hazard.objects.filter(review_date__lt=today)
        .exclude(status=HazardStatus.CLOSED)
        .select_related("owner", "system__cso", "system__organisation")
        .order_by("system_id", "number")
    )
    pending = []
    for hazard in overdue:
        emails = {hazard.system.cso.email} | ({hazard.owner.email} if hazard.owner_id else set())
        pending += [(hazard, email) for email in sorted(emails)]
    # One query for what was already queued, so a run with nothing new writes nothing.
    sent = idempotency_keys_already_queued(_review_key(h, e) for h, e in pending)
    queued = 0
    with transaction.atomic():
        for hazard, email in pending:
            if _review_key(hazard, email) in sent:
                continue
            notification_queue(
                recipient=email,
                subject=f"Hazard review due: {hazard.reference} {hazard.title} ({hazard.system.name})",
                template="clinical_safety/email/hazard_review_due",
                context={
                    "reference": hazard.reference,
                    "title": hazard.title,
                    "system": hazard.system.name,
                    "organisation": hazard.system.organisation.name,
                    "review_date": hazard.review_date.strftime("%-d %B %Y"),
                    "status": hazard.get_status_display(),
                    "residual_rating": hazard.residual_rating,
                    "path": reverse("clinical_safety:hazard_detail", args=[hazard.pk]),
                },
                idempotency_key=_review_key(hazard, email),
            )
            queued += 1
    return queued
