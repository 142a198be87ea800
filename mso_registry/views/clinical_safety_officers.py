"""The CSO register: every current Clinical Safety Officer the reader may see, whether they may sign,
and the verifying of what each has recorded about themselves."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.domain import DomainError

from .. import permissions, selectors, services
from ..models import ClinicalSafetyTraining


@login_required
def cso_register(request):
    register = selectors.cso_register(request.user)
    for entry in register:
        entry["can_verify"] = permissions.can_verify_cso_claims(request.user, entry["assignment"].user)
    return render(request, "mso_registry/cso_register.html", {"register": register})


@login_required
@require_POST
def cso_registration_verify(request, pk):
    """The registry administrator or the CSO's governance team verifies the registration they were shown."""
    person = get_object_or_404(selectors.people_visible_to(request.user), pk=pk)
    if not permissions.can_verify_cso_claims(request.user, person):
        raise PermissionDenied("Only the registry administrator or the CSO's governance team verifies a registration.")
    try:
        details = services.cso_registration_verify(actor=request.user, person=person, seen_claim=request.POST.get("claim", ""))
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{person}'s registration ({details.get_registration_body_display()} "
                                  f"{details.registration_number}) is verified, by you, today.")
    return redirect(f"{reverse('mso_registry:cso_register')}#cso-{person.pk}")


@login_required
@require_POST
def cso_training_verify(request, pk):
    training = get_object_or_404(
        ClinicalSafetyTraining.objects.filter(user__in=selectors.people_visible_to(request.user)).select_related("user"),
        pk=pk,
    )
    if not permissions.can_verify_cso_claims(request.user, training.user):
        raise PermissionDenied("Only the registry administrator or the CSO's governance team verifies training.")
    try:
        services.cso_training_verify(actor=request.user, training=training, seen_claim=request.POST.get("claim", ""))
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{training.user}'s training “{training.course}” is verified, by you, today.")
    return redirect(f"{reverse('mso_registry:cso_register')}#cso-{training.user_id}")
