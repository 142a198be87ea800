"""Learning bulletins: who reads them, what they are built from, and the home page's."""

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery

from mso_registry.models import RoleAssignment

from .. import permissions
from ..models import BulletinRead, LearningBulletin, MedicationIncident, Status
from .reports import incident_summary


def bulletins_visible_to(user):
    """Published bulletins of the organisations the user works for, and drafts of those whose MSO
    team they are on. Another organisation's bulletin is not found."""
    if not user.is_authenticated:
        return LearningBulletin.objects.none()
    return LearningBulletin.objects.select_related("organisation", "published_by").filter(
        Q(organisation_id__in=permissions.bulletin_reader_organisation_ids(user), status=LearningBulletin.Status.PUBLISHED)
        | Q(organisation_id__in=permissions.review_organisation_ids(user))
    )


def bulletins_for_list(user):
    """The list page: each bulletin with whether the user has read it and, for the MSO team's own
    organisations, how many have read it; three columns of subqueries, not a query per row."""
    return bulletins_visible_to(user).annotate(
        read_by_me=Exists(BulletinRead.objects.filter(bulletin=OuterRef("pk"), user=user)),
        read_count=Count("reads", distinct=True),
    ).order_by(F("published_at").desc(nulls_first=True), "-created_at")


def bulletin_audience(organisation_id: int):
    """The people a bulletin is published to: everyone with a current role in the organisation."""
    holders = RoleAssignment.objects.current().filter(organisation_id=organisation_id).values("user_id")
    return get_user_model().objects.filter(pk__in=holders, is_active=True).order_by("pk")


def bulletin_read_figures(bulletin) -> dict:
    """How many of the organisation's people have read it, for the MSO team."""
    audience = bulletin_audience(bulletin.organisation_id)
    return {"read": bulletin.reads.filter(user__in=audience).count(), "audience": audience.count(),
            "read_by_anyone": bulletin.reads.count()}


def bulletin_incident_summaries(bulletin) -> list[dict]:
    """The bulletin's incidents as staff may see them (incident_summary)."""
    incidents = bulletin.incidents.prefetch_related("medicines", "error_type_rows").order_by("occurred_at")
    return [incident_summary(incident) for incident in incidents]


BULLETIN_INCIDENT_CHOICES = 100


def closed_incidents_for_bulletin(organisation_ids):
    """The closed incidents a bulletin may be built from: the most recently closed 100, newest first.
    A big trust closes thousands a year; a page of thousands of checkboxes would help nobody."""
    newest_first = (F("closed_at").desc(nulls_last=True), "-pk")
    closed = MedicationIncident.objects.filter(organisation_id__in=organisation_ids, status=Status.CLOSED)
    return (
        MedicationIncident.objects.filter(pk__in=Subquery(closed.order_by(*newest_first).values("pk")[:BULLETIN_INCIDENT_CHOICES]))
        .select_related("organisation").order_by(*newest_first)
    )


def home_bulletins(user) -> dict | None:
    """Published bulletins on the home page of everyone who works for an organisation; unread first."""
    organisation_ids = permissions.bulletin_reader_organisation_ids(user)
    if not organisation_ids:
        return None
    bulletins = (
        LearningBulletin.objects.filter(organisation_id__in=organisation_ids, status=LearningBulletin.Status.PUBLISHED)
        .select_related("organisation")
        .annotate(read_by_me=Exists(BulletinRead.objects.filter(bulletin=OuterRef("pk"), user=user)))
        .order_by("read_by_me", "-published_at")
    )
    return {"bulletins": list(bulletins[:5]), "unread": bulletins.filter(read_by_me=False).count(),
            "can_write": bool(permissions.review_organisation_ids(user))}
