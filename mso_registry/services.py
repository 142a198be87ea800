"""Writes of the registry. Each runs in one transaction with its audit record and notifications."""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import audit_record, changes_between, snapshot
from config.domain import DomainError, NotAllowed
from notifications.services import notification_queue

from . import permissions
from .models import NATIONAL_ROLES, Organisation, Role, RoleAssignment
from .selectors import forget_current_roles
from .validators import normalise_ods_code

ORGANISATION_FIELDS = [
    "name",
    "ods_code",
    "organisation_type",
    "region",
    "icb",
    "generic_mso_email",
    "record_confirmed_on",
]


def organisation_create(*, actor, **fields) -> Organisation:
    """Create an organisation (registry administrator only) with its audit record."""
    if not permissions.is_registry_admin(actor):
        raise NotAllowed("Only the national registry administrator adds organisations.")
    fields["ods_code"] = normalise_ods_code(fields.get("ods_code", ""))
    organisation = Organisation(**fields)
    organisation.full_clean()
    with transaction.atomic():
        organisation.save()
        audit_record(
            actor=actor,
            action="organisation.created",
            target=organisation,
            organisation=organisation,
            changes=changes_between({}, snapshot(organisation, ORGANISATION_FIELDS)),
        )
    return organisation


def organisation_update(*, actor, organisation: Organisation, **fields) -> Organisation:
    """Change an organisation's record; locks the row and records what changed."""
    if not permissions.can_manage_roles(actor, organisation):
        raise NotAllowed("You may not change this organisation's record.")
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
        before = snapshot(organisation, ORGANISATION_FIELDS)
        for name, value in fields.items():
            setattr(organisation, name, normalise_ods_code(value) if name == "ods_code" else value)
        organisation.full_clean()
        organisation.save()
        changes = changes_between(before, snapshot(organisation, ORGANISATION_FIELDS))
        if changes:
            audit_record(
                actor=actor,
                action="organisation.updated",
                target=organisation,
                organisation=organisation,
                changes=changes,
            )
    return organisation


def role_assign(
    *, actor, user, role: str, organisation: Organisation | None = None, start_date: date | None = None
) -> RoleAssignment:
    """Give a person a role from a date; tells them by email. One current MSO per organisation
    is kept by the database, and a clash comes back as a DomainError that names the holder."""
    if (role in NATIONAL_ROLES) != (organisation is None):
        raise DomainError("The national registry administrator role has no organisation; every other role has one.")
    if not permissions.can_assign_role(actor, organisation, role):
        raise NotAllowed("You may not assign this role.")
    start_date = start_date or timezone.localdate()
    if start_date > timezone.localdate():
        raise DomainError("A role starts today or on an earlier date; add it on the day it starts.")
    try:
        with transaction.atomic():
            assignment = RoleAssignment.objects.create(
                user=user, organisation=organisation, role=role, start_date=start_date
            )
            audit_record(
                actor=actor,
                action="role.assigned",
                target=assignment,
                organisation=organisation,
                changes={
                    "person": [None, user.email],
                    "role": [None, assignment.get_role_display()],
                    "start_date": [None, start_date.isoformat()],
                },
            )
            where = organisation.name if organisation else "MedSafety Hub (national)"
            notification_queue(
                recipient=user.email,
                subject=f"You are now {assignment.get_role_display()} for {where}",
                template="mso_registry/email/role_assigned",
                context={
                    "person": str(user),
                    "role": assignment.get_role_display(),
                    "organisation": where,
                    "start_date": start_date.strftime("%-d %B %Y"),
                },
                idempotency_key=f"role-assigned:{assignment.pk}",
            )
    except IntegrityError as error:
        raise DomainError(_role_clash_message(user, role, organisation)) from error
    forget_current_roles(user)
    return assignment


def _role_clash_message(user, role: str, organisation: Organisation | None) -> str:
    if role == Role.MSO and organisation is not None:
        holder = RoleAssignment.objects.current().filter(organisation=organisation, role=Role.MSO).first()
        if holder:
            return (
                f"{organisation.name} already has a current MSO ({holder.user}). "
                "End that assignment, or run a handover, before naming another."
            )
    return f"{user} already holds the role {Role(role).label} here."


def role_end(*, actor, assignment: RoleAssignment, end_date: date | None = None) -> RoleAssignment:
    """End a role assignment on a date (today by default); it stays in the history."""
    if not permissions.can_assign_role(actor, assignment.organisation, assignment.role):
        raise NotAllowed("You may not end this role.")
    end_date = end_date or timezone.localdate()
    with transaction.atomic():
        assignment = RoleAssignment.objects.select_for_update(of=("self",)).select_related("user", "organisation").get(
            pk=assignment.pk
        )
        if assignment.end_date is not None:
            raise DomainError("This role has already ended.")
        if end_date < assignment.start_date or end_date > timezone.localdate():
            raise DomainError("A role ends between its start date and today.")
        assignment.end_date = end_date
        assignment.save(update_fields=["end_date"])
        audit_record(
            actor=actor,
            action="role.ended",
            target=assignment,
            organisation=assignment.organisation,
            changes={"end_date": [None, end_date.isoformat()]},
        )
    forget_current_roles(assignment.user)
    return assignment
