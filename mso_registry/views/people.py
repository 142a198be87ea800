"""A person's page: their roles, professional registration and clinical safety training."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render

from audit.selectors import history_of
from core.domain import DomainError

from .. import permissions, selectors, services
from ..forms import ProfessionalDetailsForm, TrainingForm
from ..models import ProfessionalDetails, Role, RoleAssignment


@login_required
def person_detail(request, pk):
    person = get_object_or_404(selectors.people_visible_to(request.user), pk=pk)
    can_edit = permissions.can_edit_person(request.user, person)
    details = ProfessionalDetails.objects.filter(user=person).first() or ProfessionalDetails(user=person)
    details_form, training_form = ProfessionalDetailsForm(instance=details), TrainingForm()
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if "course" in request.POST:
            training_form = TrainingForm(request.POST)
            if training_form.is_valid():
                try:
                    services.clinical_safety_training_record(actor=request.user, person=person, **training_form.cleaned_data)
                except DomainError as error:
                    training_form.add_error(None, str(error))
                else:
                    messages.success(request, "The training is recorded.")
                    return redirect("mso_registry:person_detail", pk=person.pk)
        else:
            details_form = ProfessionalDetailsForm(request.POST, instance=ProfessionalDetails(user=person))
            if details_form.is_valid():
                fields = {name: details_form.cleaned_data[name] for name in details_form.fields}
                services.professional_details_update(actor=request.user, person=person, **fields)
                messages.success(request, "Professional details saved.")
                return redirect("mso_registry:person_detail", pk=person.pk)
    return render(
        request,
        "mso_registry/person_detail.html",
        {
            "person": person,
            "details": details if details.pk else None,
            "roles": RoleAssignment.objects.filter(user=person).select_related("organisation").order_by("-start_date"),
            "training": person.clinical_safety_training.all(),
            "signing_refusals": selectors.cso_signing_refusals(person),
            "is_cso": RoleAssignment.objects.current().filter(user=person, role=Role.CSO).exists(),
            "can_edit": can_edit,
            "details_form": details_form,
            "training_form": training_form,
            "history": history_of(details)[:20] if details.pk else [],
        },
    )
