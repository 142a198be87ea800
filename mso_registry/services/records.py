"""Writes of the registry's records: organisations, role assignments, change-of-details requests,
people's professional details. Each runs in one transaction with its audit record and notifications."""

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import audit_record, changes_between, snapshot
from core.domain import DomainError, NotAllowed
from notifications.services import notification_queue

from .. import permissions
from ..models import (
    NATIONAL_ROLES,
    ChangeOfDetailsRequest,
    ClinicalSafetyTraining,
    Organisation,
    ProfessionalDetails,
    Role,
    RoleAssignment,
)
from ..national_list import change_request_mismatch
from ..selectors import forget_current_roles
from ..signals import role_assigned
from ..validators import normalise_ods_code

ORGANISATION_FIELDS = [
    "name",
    "ods_code",
    "organisation_type",
    "region",
    "icb",
    "generic_mso_email",
    "record_confirmed_on",
]
# The details the national MSO list carries, by the role that holds them.
LISTED_ROLES = {Role.MSO: ChangeOfDetailsRequest.Detail.MSO, Role.BOARD_DIRECTOR: ChangeOfDetailsRequest.Detail.BOARD_DIRECTOR}
LISTED_FIELD = {
    ChangeOfDetailsRequest.Detail.MSO: "listed_mso",
    ChangeOfDetailsRequest.Detail.MAILBOX: "listed_mailbox",
    ChangeOfDetailsRequest.Detail.BOARD_DIRECTOR: "listed_board_director",
}


def person_listing(user) -> str:
    """How a person appears on the national list: name and work email."""
    return f"{user.full_name or user.email} <{user.email}>"


def _check_mailbox_is_not_personal(organisation: Organisation, mailbox: str, mso_email: str | None = None) -> None:
    """The generic mailbox exists so that alerts reach whoever holds the post: it must not be the MSO's own."""
    if not mailbox:
        return
    if mso_email is None:
        current = RoleAssignment.objects.current().filter(organisation=organisation, role=Role.MSO).select_related("user").first()
        mso_email = current.user.email if current else None
    if mso_email and mailbox.strip().lower() == mso_email.lower():
        raise ValidationError(
            {"generic_mso_email": "This is the MSO's own address. Give a shared mailbox that stays when the MSO changes."}
        )


def organisation_create(*, actor, **fields) -> Organisation:
    """Create an organisation (registry administrator only) with its audit record."""
    if not permissions.is_registry_admin(actor):
        raise NotAllowed("Only the national registry administrator adds organisations.")
    fields["ods_code"] = normalise_ods_code(fields.get("ods_code", ""))
    organisation = Organisation(**fields)
    organisation.listed_mailbox = organisation.generic_mso_email
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
    """Change an organisation's record; locks the row, records what changed, and sends a change of
    mailbox to the national registry."""
    if not permissions.can_edit_organisation(actor, organisation):
        raise NotAllowed("You may not change this organisation's record.")
    if not permissions.is_registry_admin(actor) and set(fields) - {"generic_mso_email"}:
        raise NotAllowed("Only the national registry administrator changes an organisation's name, code, type or region.")
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
        before = snapshot(organisation, ORGANISATION_FIELDS)
        for name, value in fields.items():
            setattr(organisation, name, normalise_ods_code(value) if name == "ods_code" else value)
        organisation.full_clean(exclude=["listed_mso", "listed_mailbox", "listed_board_director"])
        _check_mailbox_is_not_personal(organisation, organisation.generic_mso_email)
        organisation.save()
        changes = changes_between(before, snapshot(organisation, ORGANISATION_FIELDS))
        if changes:
            audit_record(
                actor=actor, action="organisation.updated", target=organisation, organisation=organisation, changes=changes
            )
        if "generic_mso_email" in changes:
            change_request_create(
                actor=actor,
                organisation=organisation,
                detail=ChangeOfDetailsRequest.Detail.MAILBOX,
                value_after=organisation.generic_mso_email,
            )
    return organisation


def organisation_confirm_record(*, actor, organisation: Organisation) -> Organisation:
    """One click: the record is still true today."""
    if not permissions.can_edit_organisation(actor, organisation):
        raise NotAllowed("You may not confirm this organisation's record.")
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
        before = organisation.record_confirmed_on
        organisation.record_confirmed_on = timezone.localdate()
        organisation.save(update_fields=["record_confirmed_on"])
        audit_record(
            actor=actor,
            action="organisation.confirmed",
            target=organisation,
            organisation=organisation,
            changes={"record_confirmed_on": [before.isoformat() if before else None, organisation.record_confirmed_on.isoformat()]},
        )
    return organisation


def role_assign(
    *,
    actor,
    user,
    role: str,
    organisation: Organisation | None = None,
    start_date: date | None = None,
    tell_registry: bool = True,
) -> RoleAssignment:
    """Give a person a role from a date; tells them by email, and tells the national registry when the
    role is one the national list carries. One current MSO per organisation is kept by the database,
    and a clash comes back as a DomainError that names the holder."""
    if not permissions.can_assign_role(actor, organisation, role):
        raise NotAllowed("You may not assign this role.")
    return role_assign_authorised(
        actor=actor, user=user, role=role, organisation=organisation, start_date=start_date, tell_registry=tell_registry
    )


def role_assign_authorised(
    *, actor, user, role: str, organisation: Organisation | None, start_date: date | None, tell_registry: bool,
    tell_person: bool = True,
) -> RoleAssignment:
    """role_assign without the permission check, for a caller that has authorised the move itself
    (a completed handover names the new MSO, and sends its own single email to them: tell_person=False)."""
    if (role in NATIONAL_ROLES) != (organisation is None):
        raise DomainError("The national registry administrator role has no organisation; every other role has one.")
    start_date = start_date or timezone.localdate()
    if start_date > timezone.localdate():
        raise DomainError("A role starts today or on an earlier date; add it on the day it starts.")
    if role == Role.MSO and organisation.generic_mso_email.lower() == user.email.lower():
        raise DomainError("The MSO's sign-in must be their own work email, not the organisation's generic MSO mailbox.")
    try:
        with transaction.atomic():
            assignment = RoleAssignment.objects.create(user=user, organisation=organisation, role=role, start_date=start_date)
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
            if tell_person:
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
            if tell_registry and role in LISTED_ROLES:
                change_request_create(
                    actor=actor, organisation=organisation, detail=LISTED_ROLES[role], value_after=person_listing(user)
                )
            answers = role_assigned.send(sender=RoleAssignment, assignment=assignment, actor=actor)
            # What the receivers did, in words, for the page to say (e.g. escalations handed over).
            assignment.consequences = [answer for _, answer in answers if answer]
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


def role_end(
    *, actor, assignment: RoleAssignment, end_date: date | None = None, tell_registry: bool = True
) -> RoleAssignment:
    """End a role assignment on a date (today by default); it stays in the history. Ending the MSO or
    board director role tells the national registry that the post is vacant."""
    if not permissions.can_assign_role(actor, assignment.organisation, assignment.role):
        raise NotAllowed("You may not end this role.")
    return role_end_authorised(actor=actor, assignment=assignment, end_date=end_date, tell_registry=tell_registry)


def role_end_authorised(*, actor, assignment: RoleAssignment, end_date: date | None, tell_registry: bool) -> RoleAssignment:
    """role_end without the permission check, for a completed handover."""
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
        if tell_registry and assignment.role in LISTED_ROLES:
            change_request_create(
                actor=actor, organisation=assignment.organisation, detail=LISTED_ROLES[assignment.role], value_after=""
            )
    forget_current_roles(assignment.user)
    return assignment


# --- change-of-details requests ------------------------------------------------------------------


def change_request_create(
    *, actor, organisation: Organisation, detail: str, value_after: str, effective_from: date | None = None, handover=None
) -> ChangeOfDetailsRequest:
    """Record a change for the national list, in the caller's transaction, and tell the registry.
    A change made by the registry administrator themselves is accepted at once when it is already
    true of the record; one that takes effect later (a handover's successor) waits like any other."""
    before = getattr(organisation, LISTED_FIELD[detail])
    request = ChangeOfDetailsRequest.objects.create(
        organisation=organisation,
        detail=detail,
        value_before=before,
        value_after=value_after,
        effective_from=effective_from,
        handover=handover,
        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor,
        action="change_request.created",
        target=request,
        organisation=organisation,
        changes={request.get_detail_display(): [before, value_after]},
    )
    if permissions.is_registry_admin(actor) and not change_request_mismatch(request):
        _change_request_decide(actor=actor, request=request, status=ChangeOfDetailsRequest.Status.ACCEPTED, note="")
        return request
    notification_queue(
        recipient=settings.NATIONAL_REGISTRY_EMAIL,
        subject=f"Change of details: {organisation.name} ({organisation.ods_code}), {request.get_detail_display()}",
        template="mso_registry/email/change_request",
        context={
            "organisation": organisation.name,
            "ods_code": organisation.ods_code,
            "detail": request.get_detail_display(),
            "before": before or "(none)",
            "after": value_after or "(vacant)",
            "requested_by": str(actor) if actor else "MedSafety Hub",
            "path": f"/organisations/changes/#change-{request.pk}",
        },
        idempotency_key=f"change-request:{request.pk}",
    )
    return request


def _change_request_decide(*, actor, request: ChangeOfDetailsRequest, status: str, note: str) -> None:
    request.status = status
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.registry_note = note
    request.save(update_fields=["status", "decided_by", "decided_at", "registry_note"])
    if status == ChangeOfDetailsRequest.Status.ACCEPTED:
        Organisation.objects.filter(pk=request.organisation_id).update(**{LISTED_FIELD[request.detail]: request.value_after})
    audit_record(
        actor=actor,
        action=f"change_request.{status}",
        target=request,
        organisation=request.organisation,
        changes={"status": [ChangeOfDetailsRequest.Status.SUBMITTED.value, status], **({"note": [None, note]} if note else {})},
    )


def change_request_accept(*, actor, request: ChangeOfDetailsRequest) -> ChangeOfDetailsRequest:
    """The registry administrator accepts: the national list shows the new value."""
    return _change_request_close(actor=actor, request=request, status=ChangeOfDetailsRequest.Status.ACCEPTED, note="")


def change_request_query(*, actor, request: ChangeOfDetailsRequest, note: str) -> ChangeOfDetailsRequest:
    """The registry administrator asks the organisation about a change; the list keeps the old value."""
    if not note.strip():
        raise DomainError("Say what you need to know, so that the organisation can answer.")
    return _change_request_close(actor=actor, request=request, status=ChangeOfDetailsRequest.Status.QUERIED, note=note)


def _change_request_close(*, actor, request, status, note) -> ChangeOfDetailsRequest:
    if not permissions.is_registry_admin(actor):
        raise NotAllowed("Only the national registry administrator decides change-of-details requests.")
    with transaction.atomic():
        request = ChangeOfDetailsRequest.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=request.pk)
        if request.status != ChangeOfDetailsRequest.Status.SUBMITTED:
            raise DomainError(f"This request has already been {request.get_status_display().lower()}.")
        if status == ChangeOfDetailsRequest.Status.ACCEPTED:
            # The national list may only name who holds the post: a stale request is refused, with why.
            mismatch = change_request_mismatch(request)
            if mismatch:
                raise DomainError(f"Not accepted: this request no longer matches the organisation's record. {mismatch}")
        _change_request_decide(actor=actor, request=request, status=status, note=note)
        request.emailed = []  # who was told, so that the page names only them
        if status == ChangeOfDetailsRequest.Status.QUERIED:
            organisation = request.organisation
            recipient = organisation.generic_mso_email or (request.requested_by.email if request.requested_by else "")
            if recipient:
                request.emailed = [recipient]
                notification_queue(
                    recipient=recipient,
                    subject=f"The national MSO registry has a question about {organisation.name}'s change of details",
                    template="mso_registry/email/change_request_queried",
                    context={
                        "organisation": organisation.name,
                        "detail": request.get_detail_display(),
                        "after": request.value_after or "(vacant)",
                        "note": note,
                        "path": f"/organisations/{organisation.ods_code}/",
                    },
                    idempotency_key=f"change-request-queried:{request.pk}",
                )
    return request


def change_requests_withdraw(*, actor, requests, reason: str) -> int:
    """Withdraw requests still awaiting the registry (their handover was cancelled), in the caller's
    transaction, each with its audit record; returns how many were withdrawn."""
    withdrawn = 0
    for request in ChangeOfDetailsRequest.objects.select_for_update(of=("self",)).filter(
        pk__in=[r.pk for r in requests], status=ChangeOfDetailsRequest.Status.SUBMITTED
    ).select_related("organisation"):
        _change_request_decide(actor=actor, request=request, status=ChangeOfDetailsRequest.Status.WITHDRAWN, note=reason)
        withdrawn += 1
    return withdrawn


# --- people ----------------------------------------------------------------------------------------


PROFESSIONAL_FIELDS = ["job_title", "profession", "registration_body", "registration_number", "work_phone"]


def professional_details_update(*, actor, person, **fields) -> ProfessionalDetails:
    """Record a person's job title, profession and registration (validated per registration body).
    A changed registration body or number is a new claim: its verification is re-opened."""
    if not permissions.can_edit_person(actor, person):
        raise NotAllowed("You may not change this person's details.")
    with transaction.atomic():
        details, _ = ProfessionalDetails.objects.select_for_update().get_or_create(user=person)
        before = snapshot(details, PROFESSIONAL_FIELDS)
        was_verified = details.registration_verified
        for name, value in fields.items():
            setattr(details, name, value)
        details.full_clean()
        reopened = was_verified and not details.registration_verified
        if reopened:
            details.registration_verified_claim, details.registration_verified_by, details.registration_verified_at = "", None, None
        details.save()
        changes = changes_between(before, snapshot(details, PROFESSIONAL_FIELDS))
        if reopened:
            changes["registration verified"] = ["Yes", "No: the new registration needs verifying"]
        if changes:
            audit_record(actor=actor, action="person.details_updated", target=details, changes=changes)
    return details


def clinical_safety_training_record(
    *, actor, person, course: str, provider: str, completed_on: date, evidence_note: str = ""
) -> ClinicalSafetyTraining:
    """Add a completed clinical safety course to the CSO register."""
    if not permissions.can_edit_person(actor, person):
        raise NotAllowed("You may not change this person's training record.")
    if completed_on > timezone.localdate():
        raise DomainError("Training is recorded once it is completed: the date cannot be in the future.")
    if completed_on < timezone.localdate() - timedelta(days=365 * 40):
        raise DomainError("That completion date is more than 40 years ago; check the year.")
    with transaction.atomic():
        training = ClinicalSafetyTraining.objects.create(
            user=person, course=course, provider=provider, completed_on=completed_on, evidence_note=evidence_note
        )
        audit_record(
            actor=actor,
            action="person.training_recorded",
            target=training,
            changes={"course": [None, course], "provider": [None, provider], "completed_on": [None, completed_on.isoformat()]},
        )
    return training
