"""The handover of the MSO post: starting it, its checklist, completing or cancelling it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from audit.selectors import history_of
from core.domain import DomainError

from .. import permissions, selectors, services
from ..forms import HandoverItemForm, HandoverStartForm
from ..models import ChangeOfDetailsRequest, HandoverItem
from .shared import _reason, emailed_sentence


@login_required
def handover_start(request, ods_code):
    organisation = get_object_or_404(selectors.organisations_visible_to(request.user), ods_code=ods_code)
    if not permissions.can_start_handover(request.user, organisation):
        raise PermissionDenied
    existing = selectors.open_handover_of(organisation)
    if existing:
        messages.info(request, "A handover is already in progress.")
        return redirect("mso_registry:handover_detail", pk=existing.pk)
    form = HandoverStartForm(organisation=organisation)
    if request.method == "POST":
        form = HandoverStartForm(request.POST, organisation=organisation)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    successor, invited = data["successor"], False
                    if successor is None:
                        successor, invited = services.successor_invite(
                            email=data["successor_email"], full_name=data["successor_name"]
                        )
                    handover = services.handover_start(
                        actor=request.user,
                        organisation=organisation,
                        successor=successor,
                        leaving_date=data["leaving_date"],
                        successor_start_date=data["successor_start_date"],
                        covering_deputy=data["covering_deputy"],
                        invited=invited,
                    )
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"Handover started. {emailed_sentence(handover.emailed)}")
                return redirect("mso_registry:handover_detail", pk=handover.pk)
    return render(request, "mso_registry/handover_start.html", {"organisation": organisation, "form": form})


@login_required
def handover_detail(request, pk):
    handover = get_object_or_404(selectors.handovers_visible_to(request.user), pk=pk)
    items = list(handover.items.select_related("owner", "done_by"))
    for item in items:
        item.can_tick = permissions.can_tick_handover_item(request.user, item) and not item.done_on_completion
        item.form = HandoverItemForm(initial={"done": item.done, "evidence": item.evidence}, prefix=f"item{item.pk}")
    return render(
        request,
        "mso_registry/handover_detail.html",
        {
            "handover": handover,
            "leaver_items": [i for i in items if not i.for_successor],
            "successor_items": [i for i in items if i.for_successor],
            "completion_refusals": services.handover_completion_refusals(handover),
            "can_run": permissions.can_run_handover(request.user, handover),
            "can_view_organisation": permissions.can_view_organisation(request.user, handover.organisation),
            "is_leaver": handover.outgoing.user_id == request.user.pk,
            "waiting_change_requests": handover.change_requests.filter(status=ChangeOfDetailsRequest.Status.SUBMITTED),
            "today": timezone.localdate(),
            "history": history_of(handover)[:50],
        },
    )


@login_required
@require_POST
def handover_item_update(request, pk):
    item = get_object_or_404(
        HandoverItem.objects.filter(handover__in=selectors.handovers_visible_to(request.user)).select_related("handover"),
        pk=pk,
    )
    form = HandoverItemForm(request.POST, prefix=f"item{item.pk}")
    if form.is_valid():
        try:
            services.handover_item_update(actor=request.user, item=item, **form.cleaned_data)
        except DomainError as error:
            messages.error(request, f"{item.title}: {error}")
        else:
            messages.success(request, f"{item.title}: {'done' if form.cleaned_data['done'] else 'open again'}.")
    else:
        messages.error(request, f"{item.title}: the evidence is too long (2,000 characters at most).")
    return redirect(f"{handover_url(item.handover_id)}#item-{item.pk}")


def handover_url(pk):
    return reverse("mso_registry:handover_detail", args=[pk])


@login_required
@require_POST
def handover_transition(request, pk, action):
    if action not in ("complete", "cancel"):
        raise Http404
    handover = get_object_or_404(selectors.handovers_visible_to(request.user), pk=pk)
    try:
        if action == "complete":
            handover = services.handover_complete(actor=request.user, handover=handover)
            moved = ", ".join(result.summary for result in handover.moved if result.moved)
            messages.success(
                request,
                f"Handover complete: {handover.successor} is now the MSO."
                + (f" Moved to them: {moved}." if moved else "")
                + f" {emailed_sentence(handover.emailed)}",
            )
        else:
            handover = services.handover_cancel(actor=request.user, handover=handover, reason=_reason(request))
            messages.success(
                request,
                "The handover is cancelled; the outgoing MSO stays in post and the change-of-details request is "
                f"withdrawn. {emailed_sentence(handover.emailed)}",
            )
    except DomainError as error:
        messages.error(request, str(error))
    return redirect(handover_url(handover.pk))
