"""What the registry's pages share: who is emailed, the administrator-only check, errors onto a form, a reason."""

from django.core.exceptions import PermissionDenied, ValidationError

from core.domain import DomainError

from .. import permissions
from ..forms import ReasonForm


def emailed_sentence(people) -> str:
    """"Dr A and Helen Morgan have been emailed.": only the people a service really emailed."""
    names = [str(person) for person in people]
    if not names:
        return "Nobody was emailed."
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"{joined} {'has' if len(names) == 1 else 'have'} been emailed."


def _registry_admin_only(request):
    if not permissions.is_registry_admin(request.user):
        raise PermissionDenied("Only the national registry administrator may see this page.")


def _add_errors(form, error: ValidationError | DomainError):
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages if isinstance(error, ValidationError) else str(error))


def _reason(request) -> str:
    """The reason typed in a one-field form, checked as a form field is (no NUL characters, 2,000
    characters at most); an empty one is left to the service, which says why it is needed."""
    reason = request.POST.get("reason", "")
    if not reason.strip():
        return reason
    form = ReasonForm({"reason": reason})
    if not form.is_valid():
        raise DomainError(f"The reason: {' '.join(form.errors['reason'])}")
    return form.cleaned_data["reason"]
