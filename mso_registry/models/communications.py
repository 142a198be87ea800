"""National communications to every MSO, and each organisation's copy."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .organisations import Organisation


class NationalCommunication(models.Model):
    """A message from the national MSO network (a Medication Safety Update, or an alert needing action
    by a deadline) to the generic MSO mailbox of every organisation chosen."""

    class Kind(models.TextChoices):
        SAFETY_UPDATE = "safety_update", "Medication Safety Update"
        ACTION_REQUIRED = "action_required", "Alert: action required"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENT = "sent", "Sent"

    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    body = models.TextField("message")
    action_required_by = models.DateField("action required by", null=True, blank=True)
    # The recipients as chosen: {"region": ..., "organisation_type": ..., "icb": pk}; empty means every organisation.
    audience = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="action_required") | Q(action_required_by__isnull=False),
                name="action_required_communication_has_deadline",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def needs_action(self) -> bool:
        return self.kind == self.Kind.ACTION_REQUIRED

    @property
    def heading(self) -> str:
        """Kind and title for a subject line, never saying the kind twice when the title already does
        ("Medication Safety Update: December 2026", not "Medication Safety Update: Medication Safety ...")."""
        kind = self.get_kind_display()
        return self.title if self.title.casefold().startswith(kind.casefold()) else f"{kind}: {self.title}"


# A communication is written, then sent once; a sent one never changes.
COMMUNICATION_TRANSITIONS = {
    NationalCommunication.Status.DRAFT: {NationalCommunication.Status.SENT},
    NationalCommunication.Status.SENT: set(),
}


class CommunicationRecipient(models.Model):
    """One organisation's copy of a communication: where it went, and how far the MSO has got with it."""

    class State(models.TextChoices):
        OUTSTANDING = "outstanding", "Not yet acknowledged"
        RECEIVED = "received", "Received"
        COMPLETED = "completed", "Action complete"

    communication = models.ForeignKey(NationalCommunication, on_delete=models.CASCADE, related_name="recipients")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="communications_received")
    # The generic mailbox it went to when sent; blank when the organisation had none, so nobody was emailed.
    mailbox = models.EmailField(blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.OUTSTANDING)
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    action_note = models.TextField("what was done", blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    director_told_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["communication", "organisation"], name="one_copy_per_organisation"),
        ]
        indexes = [
            models.Index(fields=["communication", "state"], name="communication_recipient_state"),
            models.Index(fields=["organisation", "state"], name="communication_org_state"),
        ]

    def __str__(self):
        return f"{self.communication} → {self.organisation}"

    @property
    def is_overdue(self) -> bool:
        deadline = self.communication.action_required_by
        return bool(deadline) and self.state != self.State.COMPLETED and deadline < timezone.localdate()


# Received, then action complete with a note; completing may come first if the MSO acted at once.
ACKNOWLEDGEMENT_TRANSITIONS = {
    CommunicationRecipient.State.OUTSTANDING: {CommunicationRecipient.State.RECEIVED, CommunicationRecipient.State.COMPLETED},
    CommunicationRecipient.State.RECEIVED: {CommunicationRecipient.State.COMPLETED},
    CommunicationRecipient.State.COMPLETED: set(),
}
