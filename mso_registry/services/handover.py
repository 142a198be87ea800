"""The MSO handover: an outgoing MSO hands the role to a successor without a gap.

Started by the outgoing MSO, the board director or the registry administrator; run as a checklist
with an owner and a due date per item; completed in one transaction that ends the old MSO
assignment and starts the new one."""

from datetime import date, timedelta

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from audit.services import audit_record
from core.domain import DomainError, NotAllowed
from notifications.services import notification_queue

from .. import handover_steps, permissions
from ..models import ChangeOfDetailsRequest, Handover, HandoverItem, Organisation, Role, RoleAssignment
from .records import (
    change_request_accept,
    change_request_create,
    change_requests_withdraw,
    person_listing,
    role_assign_authorised,
    role_end_authorised,
)

User = get_user_model()

# Who may move a handover from one status to another: the statuses are data, and so are the moves.
HANDOVER_TRANSITIONS = {
    Handover.Status.IN_PROGRESS: {Handover.Status.COMPLETED, Handover.Status.CANCELLED},
    Handover.Status.COMPLETED: set(),
    Handover.Status.CANCELLED: set(),
}

# (code, title, owner: "outgoing" | "director" | "successor", required)
LEAVER_ITEMS = [
    ("mailbox", "Transfer ownership of the generic MSO mailbox to the successor", "outgoing", True),
    ("change_request", "Send the change-of-details request to the national MSO registry", "outgoing", True),
    # Done by MedSafety Hub in the completing transaction (see handover_steps), not ticked by hand.
    ("reassign", "Move open incidents and actions to the successor", "outgoing", False),
    ("tell_director", "Tell the board director and the Medication Safety Committee", "outgoing", True),
    ("reviewer_rights", "Make sure the successor has reviewer rights on the incident system", "director", True),
]
GETTING_STARTED_ITEMS = [
    ("join_national_network", "Join the national MSO network and the monthly webinar"),
    ("join_regional_network", "Join the regional MSO network"),
    ("register_mailbox", "Register the generic MSO mailbox with the national network"),
    ("join_committee", "Join the Medication Safety Committee"),
    ("meet_director", "Meet the board director for medication safety"),
]


def _current_mso(organisation: Organisation) -> RoleAssignment | None:
    return RoleAssignment.objects.current().filter(organisation=organisation, role=Role.MSO).select_related("user").first()


def _current_holder(organisation: Organisation, role: str):
    assignment = RoleAssignment.objects.current().filter(organisation=organisation, role=role).select_related("user").first()
    return assignment.user if assignment else None


def successor_invite(*, email: str, full_name: str):
    """An account for a successor who has none yet; they choose a password from the invitation email."""
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        return user, False
    user = User.objects.create_user(email=email, full_name=full_name.strip())
    user.set_unusable_password()
    user.save(update_fields=["password"])
    # The invitation link goes to this address, so following it proves the address.
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user, True


def handover_start(
    *,
    actor,
    organisation: Organisation,
    successor,
    leaving_date: date,
    successor_start_date: date,
    covering_deputy=None,
    invited: bool = False,
) -> Handover:
    if not permissions.can_start_handover(actor, organisation):
        raise NotAllowed("Only the outgoing MSO, the board director or the registry administrator starts a handover.")
    outgoing = _current_mso(organisation)
    if outgoing is None:
        raise DomainError(f"{organisation.name} has no current MSO to hand over from; the registry administrator names a new MSO.")
    if successor.pk == outgoing.user_id:
        raise DomainError("The successor must be someone other than the outgoing MSO.")
    if leaving_date < outgoing.start_date:
        raise DomainError("The leaving date is before the outgoing MSO started.")
    if successor_start_date < leaving_date - timedelta(days=90):
        raise DomainError("The successor's start date is more than 90 days before the leaving date; check the dates.")
    gap = successor_start_date > leaving_date + timedelta(days=1)
    if gap and covering_deputy is None:
        raise DomainError(
            "There is a gap between the leaving date and the successor's start date: name a deputy MSO to cover it."
        )
    if covering_deputy is not None and not RoleAssignment.objects.current().filter(
        organisation=organisation, role=Role.DEPUTY_MSO, user=covering_deputy
    ).exists():
        raise DomainError(f"{covering_deputy} is not a current deputy MSO of {organisation.name}.")
    director = _current_holder(organisation, Role.BOARD_DIRECTOR)
    owners = {"outgoing": outgoing.user, "director": director or outgoing.user, "successor": successor}

    try:
        with transaction.atomic():
            handover = Handover.objects.create(
                organisation=organisation,
                outgoing=outgoing,
                successor=successor,
                covering_deputy=covering_deputy if gap else None,
                leaving_date=leaving_date,
                successor_start_date=successor_start_date,
                started_by=actor,
            )
            items = [
                HandoverItem(
                    handover=handover, code=code, title=title, owner=owners[owner], required=required,
                    due_date=leaving_date, position=position,
                )
                for position, (code, title, owner, required) in enumerate(LEAVER_ITEMS)
            ] + [
                HandoverItem(
                    handover=handover, code=code, title=title, owner=successor, required=False, for_successor=True,
                    due_date=successor_start_date + timedelta(days=30), position=len(LEAVER_ITEMS) + position,
                )
                for position, (code, title) in enumerate(GETTING_STARTED_ITEMS)
            ]
            HandoverItem.objects.bulk_create(items)
            # The national registry hears of the new MSO now, with the date, not after the fact.
            request = change_request_create(
                actor=actor,
                organisation=organisation,
                detail=ChangeOfDetailsRequest.Detail.MSO,
                value_after=person_listing(successor),
                effective_from=successor_start_date,
                handover=handover,
            )
            HandoverItem.objects.filter(handover=handover, code="change_request").update(
                done=True, done_at=timezone.now(), done_by=actor,
                evidence=f"Change-of-details request #{request.pk} sent to the national MSO registry by MedSafety Hub.",
            )
            audit_record(
                actor=actor,
                action="handover.started",
                target=handover,
                organisation=organisation,
                changes={
                    "outgoing": [None, outgoing.user.email],
                    "successor": [None, successor.email],
                    "leaving_date": [None, leaving_date.isoformat()],
                    "successor_start_date": [None, successor_start_date.isoformat()],
                    **({"covering_deputy": [None, covering_deputy.email]} if gap else {}),
                },
            )
            handover.emailed = _notify_handover_started(handover, director, invited)
    except IntegrityError as error:
        raise DomainError(f"{organisation.name} already has a handover in progress.") from error
    return handover


def _email_context(handover: Handover, **extra) -> dict:
    """What every handover email says of the handover itself, plus what this step adds."""
    return {
        "organisation": handover.organisation.name,
        "outgoing": str(handover.outgoing.user),
        "successor": str(handover.successor),
        "leaving_date": handover.leaving_date.strftime("%-d %B %Y"),
        "start_date": handover.successor_start_date.strftime("%-d %B %Y"),
        "path": reverse("mso_registry:handover_detail", args=[handover.pk]),
        **extra,
    }


def _notify_handover_started(handover: Handover, director, invited: bool) -> list:
    """Queue the emails; returns the people emailed, so that the page names only them."""
    organisation = handover.organisation
    context = _email_context(
        handover,
        covering_deputy=str(handover.covering_deputy) if handover.covering_deputy else "",
        getting_started=[title for _, title in GETTING_STARTED_ITEMS],
    )
    secret = {}
    if invited:
        # The link sets the successor's password: sealed in the outbox, and for the successor only.
        successor = handover.successor
        secret["invitation_path"] = reverse(
            "account_reset_password_from_key",
            kwargs={"uidb36": user_pk_to_url_str(successor), "key": default_token_generator.make_token(successor)},
        )
    notification_queue(
        recipient=handover.successor.email,
        subject=f"You are the next Medication Safety Officer for {organisation.name}",
        template="mso_registry/email/handover_successor",
        context=context,
        secret_context=secret,
        idempotency_key=f"handover-successor:{handover.pk}",
    )
    return [handover.successor, *_tell_board_director(
        director, organisation, "started", {**context, "event": "started"}, handover
    )]


def _tell_board_director(director, organisation, event: str, context: dict, handover: Handover) -> list:
    """The board director hears of each step of a handover, if one is named; returns who was emailed, so
    that the page names only them."""
    if director is None:
        return []
    notification_queue(
        recipient=director.email,
        subject=f"MSO handover {event} at {organisation.name}",
        template="mso_registry/email/handover_director",
        context=context,
        idempotency_key=f"handover-{event}-director:{handover.pk}",
    )
    return [director]


def handover_item_update(*, actor, item: HandoverItem, done: bool, evidence: str = "") -> HandoverItem:
    """Tick an item done with its evidence, or open it again."""
    if not permissions.can_tick_handover_item(actor, item):
        raise NotAllowed("Only the item's owner or the people running the handover may change it.")
    if item.done_on_completion:
        raise DomainError("MedSafety Hub does this itself when the handover completes; it is not ticked by hand.")
    evidence = evidence.strip()
    if done and item.required and not evidence:
        raise DomainError("Say how this was done (the evidence), so that the record shows it.")
    with transaction.atomic():
        item = HandoverItem.objects.select_for_update(of=("self",)).select_related("handover__organisation").get(pk=item.pk)
        if item.handover.status != Handover.Status.IN_PROGRESS:
            raise DomainError("This handover is finished; its checklist can no longer change.")
        before = _item_state(item.done, item.evidence)
        item.done, item.evidence = done, evidence
        item.done_by, item.done_at = (actor, timezone.now()) if done else (None, None)
        item.save(update_fields=["done", "evidence", "done_by", "done_at"])
        audit_record(
            actor=actor,
            action="handover.item_done" if done else "handover.item_reopened",
            target=item.handover,
            organisation=item.handover.organisation,
            changes={item.title: [before, _item_state(done, evidence)]},
        )
    return item


def _item_state(done: bool, evidence: str) -> str:
    return f"Done: {evidence}" if done else "Not done"


def _lock_for_transition(handover: Handover, to_status: str) -> Handover:
    handover = Handover.objects.select_for_update(of=("self",)).select_related("organisation", "outgoing__user", "successor").get(
        pk=handover.pk
    )
    if to_status not in HANDOVER_TRANSITIONS[handover.status]:
        raise DomainError(f"A handover that is {handover.get_status_display().lower()} cannot be {Handover.Status(to_status).label.lower()}.")
    return handover


def handover_completion_refusals(handover: Handover, *, today: date | None = None) -> list[str]:
    """Why the handover cannot be completed yet, in words for the page and for a refused request;
    empty when it can. Items done on completion (moving incidents and actions) never hold it up."""
    today = today or timezone.localdate()
    refusals = []
    open_items = [
        item.title for item in handover.items.all() if item.required and not item.done and not item.done_on_completion
    ]
    if open_items:
        refusals.append("These required items are still open: " + "; ".join(open_items) + ".")
    if handover.successor_start_date > today:
        refusals.append(
            f"You can complete the handover from {handover.successor_start_date:%-d %B %Y}, the successor's start date."
        )
    return refusals


def handover_complete(*, actor, handover: Handover) -> Handover:
    """End the outgoing MSO's assignment and start the successor's, and run every registered handover
    step (incidents moves the leaver's open reviews and actions), all in one transaction: if any step
    fails, nothing changes. The successor gets one email saying what they now hold; the board
    director, if there is one, is told. Sets `handover.emailed` and `handover.moved` (the steps' results)."""
    if not permissions.can_run_handover(actor, handover):
        raise NotAllowed("Only the outgoing MSO, the board director or the registry administrator completes a handover.")
    today = timezone.localdate()
    with transaction.atomic():
        handover = _lock_for_transition(handover, Handover.Status.COMPLETED)
        refusals = handover_completion_refusals(handover, today=today)
        if refusals:
            raise DomainError(" ".join(refusals))
        outgoing = handover.outgoing
        # The old assignment ends the day before the new one starts at the latest, so the two never overlap.
        end_date = max(outgoing.start_date, min(handover.leaving_date, handover.successor_start_date - timedelta(days=1), today))
        # The handover is authorised above; the role moves are made in its name. The registry already
        # has the change-of-details request made when the handover started.
        role_end_authorised(actor=actor, assignment=outgoing, end_date=end_date, tell_registry=False)
        role_assign_authorised(
            actor=actor,
            user=handover.successor,
            role=Role.MSO,
            organisation=handover.organisation,
            start_date=handover.successor_start_date,
            tell_registry=False,
            tell_person=False,  # the one completion email below says it, with what they now hold
        )
        moved = handover_steps.run(handover=handover, leaver=outgoing.user, successor=handover.successor, actor=actor)
        summary = ", ".join(result.summary for result in moved) or "nothing to move"
        HandoverItem.objects.filter(handover=handover, code__in=HandoverItem.DONE_ON_COMPLETION).update(
            done=True, done_at=timezone.now(), done_by=None,
            evidence=f"Moved to {handover.successor} by MedSafety Hub when the handover completed ({summary}).",
        )
        handover.status = Handover.Status.COMPLETED
        handover.finished_at = timezone.now()
        handover.save(update_fields=["status", "finished_at"])
        if permissions.is_registry_admin(actor):
            # The registry completing it accepts its own request now that it is true; anyone else's
            # completion leaves the request for the registry, which can accept it from today.
            for request in handover.change_requests.filter(status=ChangeOfDetailsRequest.Status.SUBMITTED):
                change_request_accept(actor=actor, request=request)
        audit_record(
            actor=actor, action="handover.completed", target=handover, organisation=handover.organisation,
            changes={
                "status": [Handover.Status.IN_PROGRESS.value, Handover.Status.COMPLETED.value],
                **{result.heading: [None, result.moved] for result in moved},
            },
        )
        handover.moved = moved
        handover.emailed = _notify_handover_completed(handover, moved)
    return handover


def _notify_handover_completed(handover: Handover, moved) -> list:
    organisation = handover.organisation
    context = _email_context(handover, event="completed")
    notification_queue(
        recipient=handover.successor.email,
        subject=f"You are now the Medication Safety Officer for {organisation.name}",
        template="mso_registry/email/handover_completed_successor",
        context={
            **context,
            "moved": [{"heading": r.heading, "lines": list(r.lines)} for r in moved],
            "getting_started": list(
                handover.items.filter(for_successor=True, done=False).values_list("title", flat=True)
            ),
        },
        idempotency_key=f"handover-completed-successor:{handover.pk}",
    )
    director = _current_holder(organisation, Role.BOARD_DIRECTOR)
    return [handover.successor, *_tell_board_director(director, organisation, "completed", context, handover)]


def handover_cancel(*, actor, handover: Handover, reason: str) -> Handover:
    """Cancel: the outgoing MSO stays in post, the handover's change-of-details requests still awaiting
    the registry are withdrawn, and the successor and board director are told. Sets `handover.emailed`."""
    if not permissions.can_run_handover(actor, handover):
        raise NotAllowed("Only the outgoing MSO, the board director or the registry administrator cancels a handover.")
    if not reason.strip():
        raise DomainError("Give the reason for cancelling, so that the record shows why.")
    with transaction.atomic():
        handover = _lock_for_transition(handover, Handover.Status.CANCELLED)
        handover.status = Handover.Status.CANCELLED
        handover.finished_at = timezone.now()
        handover.finish_note = reason.strip()
        handover.save(update_fields=["status", "finished_at", "finish_note"])
        audit_record(
            actor=actor, action="handover.cancelled", target=handover, organisation=handover.organisation,
            changes={"status": [Handover.Status.IN_PROGRESS.value, Handover.Status.CANCELLED.value], "reason": [None, reason]},
        )
        change_requests_withdraw(
            actor=actor, requests=list(handover.change_requests.all()),
            reason=f"Withdrawn: the handover was cancelled ({handover.finish_note.rstrip('.')}).",
        )
        handover.emailed = _notify_handover_cancelled(handover)
    return handover


def _notify_handover_cancelled(handover: Handover) -> list:
    organisation = handover.organisation
    context = _email_context(handover, reason=handover.finish_note, event="been cancelled")
    notification_queue(
        recipient=handover.successor.email,
        subject=f"The MSO handover at {organisation.name} is cancelled",
        template="mso_registry/email/handover_cancelled_successor",
        context=context,
        idempotency_key=f"handover-cancelled-successor:{handover.pk}",
    )
    director = _current_holder(organisation, Role.BOARD_DIRECTOR)
    return [handover.successor, *_tell_board_director(director, organisation, "cancelled", context, handover)]

