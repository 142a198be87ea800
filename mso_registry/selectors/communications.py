"""National communications: their audience, who may read them, and how far each has been acted on."""

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from ..models import MSO_TEAM_ROLES, CommunicationRecipient, NationalCommunication, Organisation, OrganisationType, Region, Role
from .roles import current_roles_of


COMMUNICATION_READER_ROLES = MSO_TEAM_ROLES | {Role.BOARD_DIRECTOR}


def communication_audience(*, region: str = "", organisation_type: str = "", icb: int | None = None) -> QuerySet[Organisation]:
    """The organisations a communication goes to: all of them, or those in a region, of a type, in an ICB.
    The values come from a validated form: an unknown value matches nothing rather than everything."""
    organisations = Organisation.objects.order_by("name")
    if region:
        organisations = organisations.filter(region=region)
    if organisation_type:
        organisations = organisations.filter(organisation_type=organisation_type)
    if icb:
        organisations = organisations.filter(icb_id=icb)
    return organisations


def communication_audience_summary(audience: dict) -> dict:
    """How many organisations a draft would reach, and which have no generic mailbox to reach them by."""
    organisations = communication_audience(**audience)
    counts = organisations.aggregate(total=Count("pk"), without_mailbox=Count("pk", filter=Q(generic_mso_email="")))
    counts["with_mailbox"] = counts["total"] - counts["without_mailbox"]
    counts["no_mailbox"] = list(organisations.filter(generic_mso_email="").only("name", "ods_code")[:50])
    return counts


def audience_description(audience: dict) -> str:
    """The recipients in words: "every organisation", or "every NHS trust in Midlands in Riverside ICB"."""
    parts = []
    if audience.get("organisation_type"):
        parts.append(f"every {OrganisationType(audience['organisation_type']).label}")
    else:
        parts.append("every organisation")
    if audience.get("region"):
        parts.append(f"in {Region(audience['region']).label}")
    if audience.get("icb"):
        icb = Organisation.objects.filter(pk=audience["icb"]).only("name").first()
        parts.append(f"in {icb.name if icb else 'an ICB no longer in the registry'}")
    return " ".join(parts)


def _reader_organisation_ids(user) -> set[int]:
    return {a.organisation_id for a in current_roles_of(user) if a.role in COMMUNICATION_READER_ROLES and a.organisation_id}


def communications_for_registry():
    """Every communication with its acknowledgement counts, newest first, for the administrator."""
    state = CommunicationRecipient.State
    return NationalCommunication.objects.select_related("created_by", "sent_by").annotate(
        recipient_count=Count("recipients"),
        received_count=Count("recipients", filter=Q(recipients__state=state.RECEIVED)),
        completed_count=Count("recipients", filter=Q(recipients__state=state.COMPLETED)),
        outstanding_count=Count("recipients", filter=Q(recipients__state=state.OUTSTANDING)),
    ).order_by("-created_at", "-pk")  # a GROUP BY query drops Meta.ordering; the pages need a stable one


def communication_recipients_visible_to(user):
    """The copies of sent communications the user may read: their organisations' (MSO team or board
    director); the registry administrator reads them all. Another organisation's copy is not found."""
    recipients = CommunicationRecipient.objects.filter(
        communication__status=NationalCommunication.Status.SENT
    ).select_related("communication", "organisation", "received_by", "completed_by")
    if any(a.role == Role.REGISTRY_ADMIN for a in current_roles_of(user)):
        return recipients
    return recipients.filter(organisation_id__in=_reader_organisation_ids(user))


def communications_visible_to(user):
    """The administrator sees every communication, drafts too; anyone else the sent ones that reached
    an organisation where they are on the MSO team or the board director."""
    communications = NationalCommunication.objects.all()
    if any(a.role == Role.REGISTRY_ADMIN for a in current_roles_of(user)):
        return communications
    copies = CommunicationRecipient.objects.filter(
        communication=OuterRef("pk"), organisation_id__in=_reader_organisation_ids(user)
    )
    return communications.filter(status=NationalCommunication.Status.SENT).filter(Exists(copies))


def communication_copies_of_my_organisations(user):
    """Copies that reached organisations where the user is on the MSO team or the board director."""
    return communication_recipients_visible_to(user).filter(organisation_id__in=_reader_organisation_ids(user))


def communication_copies_for(user, communication) -> list:
    """The user's organisations' copies of one communication (usually one)."""
    return list(communication_copies_of_my_organisations(user).filter(communication=communication))


def communication_tracking(communication, *, state: str = "", region: str = "", q: str = ""):
    """One communication's copies, filtered, for the administrator's tracking page and export."""
    rows = communication.recipients.select_related("organisation", "received_by", "completed_by").order_by(
        "organisation__name"
    )
    if state:
        rows = rows.filter(state=state)
    if region:
        rows = rows.filter(organisation__region=region)
    if q.strip():
        rows = rows.filter(Q(organisation__name__icontains=q.strip()) | Q(organisation__ods_code__iexact=q.strip()))
    return rows


def communication_counts(communication) -> dict:
    state = CommunicationRecipient.State
    return communication.recipients.aggregate(
        total=Count("pk"),
        outstanding=Count("pk", filter=Q(state=state.OUTSTANDING)),
        received=Count("pk", filter=Q(state=state.RECEIVED)),
        completed=Count("pk", filter=Q(state=state.COMPLETED)),
        without_mailbox=Count("pk", filter=Q(mailbox="")),
        reminded=Count("pk", filter=Q(reminded_at__isnull=False)),
        director_told=Count("pk", filter=Q(director_told_at__isnull=False)),
    )


TRACKING_COLUMNS = [
    "ODS code", "Organisation", "Region", "Type", "Generic MSO mailbox", "State", "Received", "Received by",
    "Action complete", "Completed by", "What was done", "Reminder sent", "Board director told",
]


def communication_tracking_table(rows) -> list[list[str]]:
    """The rows of the tracking export (CSV and XLSX)."""
    def when(value):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""

    return [
        [
            r.organisation.ods_code, r.organisation.name, r.organisation.get_region_display(),
            r.organisation.get_organisation_type_display(), r.mailbox or "NO MAILBOX: not emailed", r.get_state_display(),
            when(r.received_at), r.received_by.email if r.received_by else "", when(r.completed_at),
            r.completed_by.email if r.completed_by else "", r.action_note, when(r.reminded_at), when(r.director_told_at),
        ]
        for r in rows
    ]


def home_communications(user) -> dict | None:
    """National communications on an MSO's (or deputy's, or safety team's) home page: those still
    needing the organisation's action first, then the latest. None for anyone else."""
    organisation_ids = {a.organisation_id for a in current_roles_of(user) if a.role in MSO_TEAM_ROLES and a.organisation_id}
    if not organisation_ids:
        return None
    copies = CommunicationRecipient.objects.filter(
        organisation_id__in=organisation_ids, communication__status=NationalCommunication.Status.SENT
    ).select_related("communication", "organisation")
    needs_action = Q(communication__kind=NationalCommunication.Kind.ACTION_REQUIRED) & ~Q(
        state=CommunicationRecipient.State.COMPLETED
    )
    return {
        "copies": list(
            copies.annotate(open_action=Case(When(needs_action, then=Value(0)), default=Value(1), output_field=IntegerField()))
            .order_by("open_action", "communication__action_required_by", "-communication__sent_at")[:6]
        ),
        "open_actions": copies.filter(needs_action).count(),
    }
