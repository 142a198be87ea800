"""The registry's scheduled emails (Celery beat). Each is keyed so that it is sent once: once per
overdue item, once per vacancy, once per organisation per year."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from notifications.services import notification_queue

from ..models import Handover, HandoverItem, Organisation, Role, RoleAssignment
from ..selectors import organisations_with_current_mso

RECORD_CONFIRMATION_INTERVAL = timedelta(days=365)


def handover_overdue_item_reminders() -> int:
    """Remind each owner of a checklist item that is past its due date."""
    today = timezone.localdate()
    overdue = HandoverItem.objects.filter(
        handover__status=Handover.Status.IN_PROGRESS, done=False, due_date__lt=today
    ).exclude(code__in=HandoverItem.DONE_ON_COMPLETION).select_related("owner", "handover__organisation")
    queued = 0
    with transaction.atomic():
        for item in overdue:
            notification_queue(
                recipient=item.owner.email,
                subject=f"Overdue handover item at {item.handover.organisation.name}: {item.title}",
                template="mso_registry/email/handover_item_overdue",
                context={
                    "person": str(item.owner),
                    "organisation": item.handover.organisation.name,
                    "title": item.title,
                    "due_date": item.due_date.strftime("%-d %B %Y"),
                    "path": reverse("mso_registry:handover_detail", args=[item.handover_id]),
                },
                idempotency_key=f"handover-item-overdue:{item.pk}",
            )
            queued += 1
    return queued


def vacancy_alerts() -> int:
    """Tell the board director and the national registry when an organisation has no current MSO.
    The key carries the date the vacancy began, so each vacancy is told once, not every run."""
    vacant = list(organisations_with_current_mso().filter(has_mso=False).annotate(last_mso_left=Max("role_assignments__end_date", filter=Q(role_assignments__role=Role.MSO))))
    directors = {
        a.organisation_id: a.user
        for a in RoleAssignment.objects.current()
        .filter(organisation__in=vacant, role=Role.BOARD_DIRECTOR)
        .select_related("user")
    }
    queued = 0
    with transaction.atomic():
        for organisation in vacant:
            since = organisation.last_mso_left or organisation.created_at.date()
            context = {
                "organisation": organisation.name,
                "ods_code": organisation.ods_code,
                "since": since.strftime("%-d %B %Y"),
                "path": reverse("mso_registry:organisation_detail", args=[organisation.ods_code]),
            }
            recipients = [("registry", settings.NATIONAL_REGISTRY_EMAIL)]
            if organisation.pk in directors:
                recipients.append(("director", directors[organisation.pk].email))
            for who, email in recipients:
                notification_queue(
                    recipient=email,
                    subject=f"No Medication Safety Officer at {organisation.name} ({organisation.ods_code})",
                    template="mso_registry/email/vacancy_alert",
                    context=context,
                    idempotency_key=f"vacancy:{organisation.pk}:{since.isoformat()}:{who}",
                )
                queued += 1
    return queued


def record_confirmation_reminders() -> int:
    """A year after a record was last confirmed (or never), ask its MSO (or its mailbox) once to confirm it."""
    today = timezone.localdate()
    due = Organisation.objects.exclude(record_confirmed_on__gt=today - RECORD_CONFIRMATION_INTERVAL)
    msos = {
        a.organisation_id: a.user
        for a in RoleAssignment.objects.current().filter(organisation__in=due, role=Role.MSO).select_related("user")
    }
    queued = 0
    with transaction.atomic():
        for organisation in due:
            mso = msos.get(organisation.pk)
            recipient = mso.email if mso else organisation.generic_mso_email
            if not recipient:
                continue
            notification_queue(
                recipient=recipient,
                subject=f"Please confirm {organisation.name}'s MSO registry record",
                template="mso_registry/email/confirm_record",
                context={
                    "organisation": organisation.name,
                    "confirmed_on": organisation.record_confirmed_on.strftime("%-d %B %Y")
                    if organisation.record_confirmed_on
                    else "never",
                    "path": reverse("mso_registry:organisation_detail", args=[organisation.ods_code]),
                },
                # Once for each confirmation that has lapsed (or for a record never confirmed).
                idempotency_key=f"confirm-record:{organisation.pk}:{organisation.record_confirmed_on or 'never'}",
            )
            queued += 1
    return queued
