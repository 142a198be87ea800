"""Learning bulletins: the list, writing one, reading one, publishing it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.domain import DomainError
from mso_registry.models import Organisation
from submissions.services import DRAFT_ALREADY_SAVED, FIELD_NAME as SUBMISSION_KEY, AlreadySubmitted

from .. import permissions, selectors, services
from ..forms import BulletinForm
from ..models import LearningBulletin


@login_required
def bulletin_list(request):
    if not permissions.bulletin_reader_organisation_ids(request.user):
        raise PermissionDenied("Learning bulletins are for the people who work for an organisation.")
    bulletins = list(selectors.bulletins_for_list(request.user)[:100])
    writer_ids = permissions.review_organisation_ids(request.user)
    for bulletin in bulletins:
        bulletin.show_counts = bulletin.organisation_id in writer_ids
    return render(request, "incidents/bulletins/bulletin_list.html", {
        "bulletins": bulletins, "can_write": bool(writer_ids),
    })


@login_required
def bulletin_create(request):
    organisations = permissions.bulletin_writer_organisations(request.user)
    if not organisations:
        raise PermissionDenied("Only the MSO team writes learning bulletins.")
    form = BulletinForm(
        request.POST or None,
        organisations=Organisation.objects.filter(pk__in=[o.pk for o in organisations]).order_by("name"),
        incidents=selectors.closed_incidents_for_bulletin([o.pk for o in organisations]),
    )
    if request.method == "POST" and form.is_valid():
        try:
            bulletin = services.bulletin_create(
                actor=request.user, submission_key=request.POST.get(SUBMISSION_KEY, ""), **form.cleaned_data
            )
        except AlreadySubmitted as first:
            messages.info(request, DRAFT_ALREADY_SAVED)
            return redirect("incidents:bulletin_detail", pk=first.target.pk)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Draft saved. Read it through, then publish it to your organisation.")
            return redirect("incidents:bulletin_detail", pk=bulletin.pk)
    return render(request, "incidents/bulletins/bulletin_form.html", {"form": form})


@login_required
def bulletin_detail(request, pk):
    bulletin = get_object_or_404(selectors.bulletins_visible_to(request.user), pk=pk)
    services.bulletin_mark_read(user=request.user, bulletin=bulletin)
    can_see_counts = permissions.can_see_read_counts(request.user, bulletin)
    return render(request, "incidents/bulletins/bulletin_detail.html", {
        "bulletin": bulletin,
        "incidents": selectors.bulletin_incident_summaries(bulletin),
        "can_publish": permissions.can_publish_bulletin(request.user, bulletin) and bulletin.status == LearningBulletin.Status.DRAFT,
        "figures": selectors.bulletin_read_figures(bulletin) if can_see_counts else None,
    })


@login_required
@require_POST
def bulletin_publish(request, pk):
    bulletin = get_object_or_404(selectors.bulletins_visible_to(request.user), pk=pk)
    try:
        emailed = services.bulletin_publish(
            actor=request.user, bulletin=bulletin, submission_key=request.POST.get(SUBMISSION_KEY, "")
        )
    except AlreadySubmitted:
        messages.info(request, "This bulletin was already published when you first pressed Publish; nobody is emailed twice.")
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Published: it is on the home page of everyone at {bulletin.organisation.name}, "
                                  f"and {emailed} people are being emailed.")
    return redirect("incidents:bulletin_detail", pk=bulletin.pk)
