"""What the home page shows about incidents for the reader's roles."""

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from mso_registry.models import Role, RoleAssignment

from .. import permissions
from ..candour_selectors import candour_overdue
from ..lfpse.selectors import lfpse_home_counts
from ..models import OPEN_STATUSES, Escalation, IncidentAction, MedicationIncident, Status
from .actions import my_open_actions
from .reports import escalations_for_director, my_reports


def home_section(user) -> dict:
    """What the home page shows about incidents for this user's roles, in a few bounded queries."""
    today = timezone.localdate()
    section = {
        "can_report": bool(permissions.organisations_user_reports_for(user)),
        "my_reports": list(my_reports(user)[:5]),
        "reviews": None,
        "director_escalations": None,
        "my_actions": my_open_actions(user),
    }
    review_ids = permissions.review_organisation_ids(user)
    if review_ids:
        incidents = MedicationIncident.objects.filter(organisation_id__in=review_ids)
        directors = RoleAssignment.objects.current().filter(
            role=Role.BOARD_DIRECTOR, organisation_id=OuterRef("organisation_id")
        )
        open_escalations = Escalation.objects.filter(
            organisation_id__in=review_ids, acknowledged_at__isnull=True
        ).annotate(has_director=Exists(directors))
        section["reviews"] = {
            **incidents.aggregate(
                new=Count("pk", filter=Q(status=Status.SUBMITTED)),
                open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
                red_flags_open=Count("pk", filter=Q(status__in=OPEN_STATUSES, red_flag=True)),
            ),
            "overdue_actions": IncidentAction.objects.filter(
                organisation_id__in=review_ids, done_at__isnull=True, due_date__lt=today
            ).count(),
            "overdue_candour": list(candour_overdue(review_ids, today=today)[:5]),
            "lfpse": lfpse_home_counts(review_ids),
            "overdue_escalations": list(
                open_escalations.filter(has_director=True, acknowledge_by__lt=today).select_related("incident")[:5]
            ),
            # With no board director named, nobody can acknowledge them: not "late", but waiting for one.
            "vacant_escalations": list(
                open_escalations.filter(has_director=False).select_related("incident", "organisation")[:5]
            ),
        }
    if permissions.director_organisation_ids(user):
        section["director_escalations"] = list(escalations_for_director(user).filter(acknowledged_at__isnull=True)[:10])
    return section
