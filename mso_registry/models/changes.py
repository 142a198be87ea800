"""Changes to the national list: change-of-details requests and the handover of the MSO post."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .organisations import Organisation, RoleAssignment


class ChangeOfDetailsRequest(models.Model):
    """A change to an organisation's MSO, mailbox or board director, for the national registry to accept.

    This replaces the emailed change-of-details form: the national list changes only when the
    registry administrator accepts."""

    class Detail(models.TextChoices):
        MSO = "mso", "Medication Safety Officer"
        MAILBOX = "mailbox", "Generic MSO mailbox"
        BOARD_DIRECTOR = "board_director", "Board director for medication safety"

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Awaiting the registry"
        ACCEPTED = "accepted", "Accepted"
        QUERIED = "queried", "Queried"
        WITHDRAWN = "withdrawn", "Withdrawn"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="change_requests")
    detail = models.CharField(max_length=20, choices=Detail.choices)
    value_before = models.CharField(max_length=300, blank=True)
    value_after = models.CharField(max_length=300, blank=True)
    # When the change takes effect, if later than the request (a handover names the successor's start date).
    effective_from = models.DateField(null=True, blank=True)
    # The handover that sent it: cancelling the handover withdraws it.
    handover = models.ForeignKey(
        "Handover", null=True, blank=True, on_delete=models.PROTECT, related_name="change_requests"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    registry_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["status", "requested_at"], name="change_request_status")]

    def __str__(self):
        return f"{self.organisation.ods_code}: {self.get_detail_display()} → {self.value_after or '(none)'}"


class Handover(models.Model):
    """An MSO leaving and a successor taking over, run as a checklist so the role has no gap."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="handovers")
    outgoing = models.ForeignKey(RoleAssignment, on_delete=models.PROTECT, related_name="handovers_out")
    successor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="handovers_in")
    covering_deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="handovers_covered"
    )
    leaving_date = models.DateField()
    successor_start_date = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.IN_PROGRESS)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    finish_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"], condition=Q(status="in_progress"), name="one_open_handover_per_organisation",
                violation_error_message="This organisation already has a handover in progress.",
            ),
        ]

    def __str__(self):
        return f"MSO handover at {self.organisation.name}: {self.outgoing.user} to {self.successor}"

    @property
    def has_gap(self) -> bool:
        return self.successor_start_date > self.leaving_date + timedelta(days=1)


class HandoverItem(models.Model):
    """One checklist item of a handover: an owner, a due date, done or not, and the evidence."""

    # Items MedSafety Hub does itself when the handover completes: nobody ticks them by hand.
    DONE_ON_COMPLETION = frozenset({"reassign"})

    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(max_length=40)
    title = models.CharField(max_length=300)
    for_successor = models.BooleanField(default=False, help_text="A getting-started action for the new MSO.")
    required = models.BooleanField(default=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="handover_items")
    due_date = models.DateField()
    done = models.BooleanField(default=False)
    evidence = models.TextField(blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["handover", "position"]
        constraints = [models.UniqueConstraint(fields=["handover", "code"], name="one_item_per_code_per_handover")]

    def __str__(self):
        return self.title

    @property
    def done_on_completion(self) -> bool:
        return self.code in self.DONE_ON_COMPLETION
