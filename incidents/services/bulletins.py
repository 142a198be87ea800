"""Learning bulletins: drafting, publishing to everyone who works for the organisation, and reading."""

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.services import audit_record
from core.domain import DomainError, NotAllowed
from mso_registry.models import Organisation
from notifications.services import notifications_queue_many
from submissions.services import submission_claim, submission_made

from .. import permissions, selectors
from ..models import BULLETIN_TRANSITIONS, BulletinRead, LearningBulletin, Status


BULLETIN_PUBLISH_PURPOSE = "bulletin.publish"


def bulletin_create(
    *, actor, organisation: Organisation, title: str, body: str, incidents=(), submission_key: str = ""
) -> LearningBulletin:
    """A draft bulletin, optionally built from the organisation's closed incidents. The same form
    sent again raises AlreadySubmitted with the first draft."""
    if not permissions.can_write_bulletin(actor, organisation):
        raise NotAllowed("Only the organisation's MSO team writes learning bulletins.")
    if not title.strip() or not body.strip():
        raise DomainError("Write a title and what was learned.")
    incidents = list(incidents)
    strangers = [i.reference for i in incidents if i.organisation_id != organisation.pk or i.status != Status.CLOSED]
    if strangers:
        raise DomainError("A bulletin is built from the organisation's closed incidents only: " + ", ".join(strangers) + ".")
    with transaction.atomic():
        claim = submission_claim(key=submission_key, user=actor, purpose="bulletin.draft")
        bulletin = LearningBulletin.objects.create(
            organisation=organisation, title=title.strip(), body=body.strip(), created_by=actor
        )
        bulletin.incidents.set(incidents)
        audit_record(
            actor=actor, action="bulletin.drafted", target=bulletin, organisation=organisation,
            changes={"title": [None, bulletin.title], "incidents": [None, sorted(i.reference for i in incidents)]},
        )
        submission_made(claim, bulletin)
    return bulletin


def bulletin_publish(*, actor, bulletin: LearningBulletin, submission_key: str = "") -> int:
    """Publish to everyone who works for the organisation: it shows on their home page and each is
    emailed the bulletin as a digest, once. Locks the bulletin; returns how many were emailed. The
    same form sent again raises AlreadySubmitted instead of "already published"."""
    with transaction.atomic():
        bulletin = LearningBulletin.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=bulletin.pk)
        if not permissions.can_publish_bulletin(actor, bulletin):
            raise NotAllowed("Only the organisation's MSO team publishes its learning bulletins.")
        submission_claim(
            key=submission_key, user=actor, purpose=f"{BULLETIN_PUBLISH_PURPOSE}:{bulletin.pk}", target=bulletin
        )
        if LearningBulletin.Status.PUBLISHED not in BULLETIN_TRANSITIONS[bulletin.status]:
            raise DomainError("This bulletin is already published.")
        bulletin.status = LearningBulletin.Status.PUBLISHED
        bulletin.published_by, bulletin.published_at = actor, timezone.now()
        bulletin.save(update_fields=["status", "published_by", "published_at"])
        audience = list(selectors.bulletin_audience(bulletin.organisation_id).only("pk", "email", "full_name"))
        audit_record(
            actor=actor, action="bulletin.published", target=bulletin, organisation=bulletin.organisation,
            changes={"status": [LearningBulletin.Status.DRAFT.value, LearningBulletin.Status.PUBLISHED.value],
                     "emailed": [None, len(audience)]},
        )
        summaries = [
            {**s, "month": s["month"].strftime("%B %Y"), "what_went_wrong": ", ".join(s["what_went_wrong"]),
             "medicines": ", ".join(m["name"] + (f" ({m['route']})" if m["route"] else "") for m in s["medicines"])}
            for s in selectors.bulletin_incident_summaries(bulletin)
        ]
        url = settings.SITE_URL.rstrip("/") + reverse("incidents:bulletin_detail", args=[bulletin.pk])
        notifications_queue_many([
            {
                "recipient": person.email,
                "subject": f"Learning from medication incidents at {bulletin.organisation.name}: {bulletin.title}",
                "template": "incidents/email/bulletin",
                "context": {"title": bulletin.title, "organisation": bulletin.organisation.name, "body": bulletin.body,
                            "incidents": summaries, "url": url},
                "idempotency_key": f"bulletin:{bulletin.pk}:{person.pk}",
            }
            for person in audience
        ])
    return len(audience)


def bulletin_mark_read(*, user, bulletin: LearningBulletin) -> bool:
    """Count the user as a reader of a published bulletin, once; True the first time.
    A read receipt, not a change to the record, so it writes no audit event and sends nothing."""
    if bulletin.status != LearningBulletin.Status.PUBLISHED:
        return False
    _, created = BulletinRead.objects.get_or_create(bulletin=bulletin, user=user)
    return created
