"""Reads of the registry, scoped to the reader."""

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from .models import MSO_TEAM_ROLES, Organisation, Role, RoleAssignment

# How every page, export and email says the post is empty (incidents uses the same words).
NO_BOARD_DIRECTOR = "No board director for medication safety named"


def current_roles_of(user) -> list[RoleAssignment]:
    """The user's current role assignments, read once per request and kept on the user object."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_current_roles", None)
    if cached is None:
        cached = list(RoleAssignment.objects.current().filter(user=user).select_related("organisation"))
        user._current_roles = cached
    return cached


def roles_not_current_of(user) -> dict:
    """For someone with no current role: what they held and until when, and what starts later."""
    assignments = RoleAssignment.objects.filter(user=user).select_related("organisation")
    return {
        "ended": list(assignments.filter(end_date__isnull=False).order_by("-end_date", "-start_date")[:10]),
        "upcoming": list(assignments.filter(end_date__isnull=True, start_date__gt=timezone.localdate()).order_by("start_date")),
    }


def forget_current_roles(user) -> None:
    user.__dict__.pop("_current_roles", None)


def organisations_visible_to(user) -> QuerySet[Organisation]:
    """The registry administrator sees every organisation; anyone else the ones they hold a role in."""
    organisations = Organisation.objects.select_related("icb")
    if any(a.role == Role.REGISTRY_ADMIN for a in current_roles_of(user)):
        return organisations
    return organisations.filter(pk__in={a.organisation_id for a in current_roles_of(user) if a.organisation_id})


def organisation_current_role_holders(organisation: Organisation) -> list[RoleAssignment]:
    return list(
        RoleAssignment.objects.current()
        .filter(organisation=organisation)
        .select_related("user")
        .order_by("role", "user__full_name")
    )


def organisation_role_history(organisation: Organisation) -> QuerySet[RoleAssignment]:
    """Every assignment there has been, current and ended, newest first within each role."""
    return RoleAssignment.objects.filter(organisation=organisation).select_related("user").order_by("role", "-start_date")


def organisations_with_current_mso() -> QuerySet[Organisation]:
    """Every organisation annotated with whether it has a current MSO, its MSO prefetched."""
    current_mso = RoleAssignment.objects.current().filter(role=Role.MSO)
    return (
        Organisation.objects.select_related("icb")
        .annotate(has_mso=Exists(current_mso.filter(organisation=OuterRef("pk"))))
        .prefetch_related(Prefetch("role_assignments", queryset=current_mso.select_related("user"), to_attr="current_msos"))
    )


def navigation_for(user) -> dict:
    """What base.html shows in the navigation for this user's roles."""
    roles = current_roles_of(user)
    return {
        "organisations": sorted({a.organisation for a in roles if a.organisation_id}, key=lambda o: o.name),
        "is_registry_admin": any(a.role == Role.REGISTRY_ADMIN for a in roles),
        "is_mso_team": any(a.role in MSO_TEAM_ROLES for a in roles),
        "is_admin_site_user": user.is_staff,
    }


def organisation_attention_items(organisation: Organisation, role_holders: list[RoleAssignment]) -> list[str]:
    """What is missing from an organisation's record, in the words an MSO would use."""
    from datetime import timedelta

    from django.utils import timezone

    held = {a.role for a in role_holders}
    items = []
    if Role.MSO not in held:
        items.append("No current Medication Safety Officer is named.")
    if Role.BOARD_DIRECTOR not in held:
        items.append(f"{NO_BOARD_DIRECTOR}: an escalation of a red-flag incident has no one to acknowledge it "
                     "until one is named.")
    if not organisation.generic_mso_email:
        items.append("No generic MSO mailbox is recorded, so national alerts cannot reach the MSO.")
    if organisation.record_confirmed_on is None or organisation.record_confirmed_on < timezone.localdate() - timedelta(
        days=365
    ):
        items.append("The record has not been confirmed in the last 12 months.")
    return items


def home_organisation_cards(user) -> list[dict]:
    """One card per organisation the user holds a role in: their roles, the role holders and what needs attention."""
    roles = current_roles_of(user)
    organisations = {a.organisation_id: a.organisation for a in roles if a.organisation_id}
    holders = list(
        RoleAssignment.objects.current()
        .filter(organisation_id__in=organisations, role__in=[Role.MSO, Role.DEPUTY_MSO, Role.BOARD_DIRECTOR])
        .select_related("user")
    )
    cards = []
    for organisation in sorted(organisations.values(), key=lambda o: o.name):
        mine = [a for a in roles if a.organisation_id == organisation.pk]
        theirs = [a for a in holders if a.organisation_id == organisation.pk]
        cards.append(
            {
                "organisation": organisation,
                "my_roles": mine,
                "mso": next((a.user for a in theirs if a.role == Role.MSO), None),
                "deputy": next((a.user for a in theirs if a.role == Role.DEPUTY_MSO), None),
                "director": next((a.user for a in theirs if a.role == Role.BOARD_DIRECTOR), None),
                # Gaps in the record matter to those who keep it, not to reporters.
                "attention": organisation_attention_items(organisation, theirs)
                if any(a.role in MSO_TEAM_ROLES | {Role.BOARD_DIRECTOR} for a in mine)
                else [],
            }
        )
    return cards


def national_registry_summary() -> dict:
    from datetime import timedelta

    from django.db.models import Count, Q
    from django.utils import timezone

    stale_before = timezone.localdate() - timedelta(days=365)
    counts = organisations_with_current_mso().aggregate(
        organisations=Count("pk"),
        with_mso=Count("pk", filter=Q(has_mso=True)),
        stale=Count("pk", filter=Q(record_confirmed_on__isnull=True) | Q(record_confirmed_on__lt=stale_before)),
    )
    counts["vacant"] = counts["organisations"] - counts["with_mso"]
    return counts


def organisations_without_mso(limit: int = 10) -> list[Organisation]:
    return list(organisations_with_current_mso().filter(has_mso=False).order_by("name")[:limit])


def cso_signing_refusals(user) -> list[str]:
    """Why this person may not sign a hazard log or safety case as CSO; empty when they may.

    DCB0129/0160 ask for a CSO with current professional registration and clinical safety training.
    What the person records is a claim: each counts once the registry administrator or the governance
    team of their organisation has verified it."""
    from .models import ClinicalSafetyTraining, ProfessionalDetails

    refusals = []
    cso_roles = [a for a in current_roles_of(user) if a.role == Role.CSO]
    if not cso_roles:
        refusals.append("They do not hold the Clinical Safety Officer role.")
    verifiers = cso_verifiers_description([a.organisation for a in cso_roles])
    details = ProfessionalDetails.objects.filter(user=user).first()
    if details is None or not details.is_registered:
        refusals.append("No professional registration (GMC, NMC, GPhC or HCPC) is on record.")
    elif not details.registration_verified:
        refusals.append(
            f"Their registration ({details.get_registration_body_display()} {details.registration_number}) "
            f"is not yet verified: {verifiers} verifies it."
        )
    training = list(ClinicalSafetyTraining.objects.filter(user=user))
    if not training:
        refusals.append("No clinical safety training (the DCB0129/0160 course) is on record.")
    elif not any(course.is_verified for course in training):
        refusals.append(f"Their clinical safety training is not yet verified: {verifiers} verifies it.")
    return refusals


def cso_verifiers_description(organisations) -> str:
    """Who verifies a CSO's registration and training, in words: "the national registry administrator
    or Riverside University Hospitals' governance team"."""
    names = sorted({o.name for o in organisations if o is not None})
    if not names:
        return "the national registry administrator"
    return "the national registry administrator or the governance team of " + " or ".join(names)


def directory_rows(queryset) -> QuerySet[Organisation]:
    """The national directory: each organisation with its current MSO and board director prefetched,
    two queries whatever the number of rows."""
    current = RoleAssignment.objects.current().filter(role__in=[Role.MSO, Role.BOARD_DIRECTOR]).select_related("user")
    return queryset.select_related("icb").prefetch_related(
        Prefetch("role_assignments", queryset=current, to_attr="listed_role_holders")
    )


def directory_summary(queryset) -> dict:
    """Counts at the top of the directory, for the filtered list."""
    from datetime import timedelta

    from django.db.models import Count, Q
    from django.utils import timezone

    stale_before = timezone.localdate() - timedelta(days=365)
    counts = queryset.aggregate(
        organisations=Count("pk"),
        with_mso=Count("pk", filter=Q(has_mso=True)),
        stale=Count("pk", filter=Q(record_confirmed_on__isnull=True) | Q(record_confirmed_on__lt=stale_before)),
    )
    counts["vacant"] = counts["organisations"] - counts["with_mso"]
    return counts


DIRECTORY_COLUMNS = [
    "ODS code", "Organisation", "Type", "Region", "ICB", "MSO", "MSO email", "Generic MSO mailbox",
    "Board director", "Record last confirmed",
    # What the registry administrator has accepted (change-of-details requests), beside the live values.
    "National list: MSO", "National list: mailbox", "National list: board director",
]


def directory_holders(organisation: Organisation) -> dict:
    """The MSO and board director of a directory row (from directory_rows' prefetch), and whether the
    national list names that MSO."""
    from .national_list import Detail, listed_person

    holders = {a.role: a.user for a in organisation.listed_role_holders}
    mso = holders.get(Role.MSO)
    return {
        "mso": mso,
        "director": holders.get(Role.BOARD_DIRECTOR),
        "mso_listed": bool(mso and listed_person(organisation, Detail.MSO)),
    }


def directory_table(organisations) -> list[list[str]]:
    """The rows of the national MSO list as exported (CSV and XLSX)."""
    from .national_list import Detail, listed_person

    rows = []
    for organisation in organisations:
        holders = directory_holders(organisation)
        mso, director = holders["mso"], holders["director"]
        rows.append([
            organisation.ods_code,
            organisation.name,
            organisation.get_organisation_type_display(),
            organisation.get_region_display(),
            organisation.icb.ods_code if organisation.icb else "",
            mso.full_name if mso else "VACANT",
            mso.email if mso else "",
            organisation.generic_mso_email,
            director.full_name if director else "VACANT",
            organisation.record_confirmed_on.isoformat() if organisation.record_confirmed_on else "",
            # Only what the registry accepted and is still true: never someone who does not hold the post.
            listed_person(organisation, Detail.MSO),
            organisation.listed_mailbox,
            listed_person(organisation, Detail.BOARD_DIRECTOR),
        ])
    return rows


def change_requests_for_registry(status: str | None = None):
    from .models import ChangeOfDetailsRequest

    requests = ChangeOfDetailsRequest.objects.select_related("organisation", "requested_by", "decided_by", "handover")
    return requests.filter(status=status) if status else requests


def change_requests_visible_to(user):
    """Requests of the organisations the user may see: another organisation's is not found, not refused."""
    from .models import ChangeOfDetailsRequest

    return ChangeOfDetailsRequest.objects.filter(organisation__in=organisations_visible_to(user))


def handovers_visible_to(user):
    """Handovers of organisations the user may see, and those where they are the outgoing MSO, the
    successor or the covering deputy."""
    from django.db.models import Q

    from .models import Handover

    organisations = organisations_visible_to(user)
    # The outgoing MSO keeps sight of their own handover after it has ended their role.
    return Handover.objects.select_related("organisation", "outgoing__user", "successor", "covering_deputy").filter(
        Q(organisation__in=organisations) | Q(successor=user) | Q(covering_deputy=user) | Q(outgoing__user=user)
    ).distinct()


def open_handover_of(organisation: Organisation):
    from .models import Handover

    return organisation.handovers.filter(status=Handover.Status.IN_PROGRESS).select_related("successor").first()


def cso_register(user) -> list[dict]:
    """Every current CSO the reader may see, with registration, training and whether they may sign."""
    from .models import ClinicalSafetyTraining, ProfessionalDetails

    assignments = list(
        RoleAssignment.objects.current()
        .filter(role=Role.CSO, organisation__in=organisations_visible_to(user))
        .select_related("user", "organisation")
        .order_by("organisation__name", "user__full_name")
    )
    people = {a.user_id for a in assignments}
    details = {
        d.user_id: d for d in ProfessionalDetails.objects.filter(user_id__in=people).select_related("registration_verified_by")
    }
    training = {}
    for course in ClinicalSafetyTraining.objects.filter(user_id__in=people).select_related("verified_by"):
        training.setdefault(course.user_id, []).append(course)
    register = []
    for assignment in assignments:
        person_details = details.get(assignment.user_id)
        courses = training.get(assignment.user_id, [])
        register.append({
            "assignment": assignment,
            "details": person_details,
            "training": courses,
            # Claims count once verified: a registration and at least one course.
            "able_to_sign": bool(
                person_details and person_details.registration_verified and any(c.is_verified for c in courses)
            ),
            "verifiers": cso_verifiers_description([assignment.organisation]),
        })
    return register


def people_visible_to(user):
    """People whose details the reader may see: themselves, and anyone who holds or held a role in an
    organisation the reader may see."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    organisations = organisations_visible_to(user)
    return get_user_model().objects.filter(
        Q(pk=user.pk) | Q(pk__in=RoleAssignment.objects.filter(organisation__in=organisations).values("user"))
    )


def professions_of(user_ids) -> dict:
    """{user id: ProfessionalDetails} for the role-holder tables."""
    from .models import ProfessionalDetails

    return {d.user_id: d for d in ProfessionalDetails.objects.filter(user_id__in=user_ids)}


# --- national communications ---------------------------------------------------------------------

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
    from django.db.models import Count, Q

    organisations = communication_audience(**audience)
    counts = organisations.aggregate(total=Count("pk"), without_mailbox=Count("pk", filter=Q(generic_mso_email="")))
    counts["with_mailbox"] = counts["total"] - counts["without_mailbox"]
    counts["no_mailbox"] = list(organisations.filter(generic_mso_email="").only("name", "ods_code")[:50])
    return counts


def audience_description(audience: dict) -> str:
    """The recipients in words: "every organisation", or "every NHS trust in Midlands in Riverside ICB"."""
    from .models import OrganisationType, Region

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
    from django.db.models import Count, Q

    from .models import CommunicationRecipient, NationalCommunication

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
    from .models import CommunicationRecipient, NationalCommunication

    recipients = CommunicationRecipient.objects.filter(
        communication__status=NationalCommunication.Status.SENT
    ).select_related("communication", "organisation", "received_by", "completed_by")
    if any(a.role == Role.REGISTRY_ADMIN for a in current_roles_of(user)):
        return recipients
    return recipients.filter(organisation_id__in=_reader_organisation_ids(user))


def communications_visible_to(user):
    """The administrator sees every communication, drafts too; anyone else the sent ones that reached
    an organisation where they are on the MSO team or the board director."""
    from .models import CommunicationRecipient, NationalCommunication

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
    from django.db.models import Q

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
    from django.db.models import Count, Q

    from .models import CommunicationRecipient

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
    from django.utils import timezone

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
    from django.db.models import Case, IntegerField, Q, Value, When

    from .models import CommunicationRecipient, NationalCommunication

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
