"""Handovers of the MSO post a reader may see."""

from django.db.models import Q

from ..models import Handover, Organisation
from .roles import organisations_visible_to


def handovers_visible_to(user):
    """Handovers of organisations the user may see, and those where they are the outgoing MSO, the
    successor or the covering deputy."""
    organisations = organisations_visible_to(user)
    # The outgoing MSO keeps sight of their own handover after it has ended their role.
    return Handover.objects.select_related("organisation", "outgoing__user", "successor", "covering_deputy").filter(
        Q(organisation__in=organisations) | Q(successor=user) | Q(covering_deputy=user) | Q(outgoing__user=user)
    ).distinct()


def open_handover_of(organisation: Organisation):
    return organisation.handovers.filter(status=Handover.Status.IN_PROGRESS).select_related("successor").first()
