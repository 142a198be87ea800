"""Demo organisations and role holders: two fictional trusts, Riverside and Hillside, and a
national spread of about thirty organisations, some vacant or stale, with one handover in progress."""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from users.demo import demo_user

from .models import (
    CommunicationRecipient, Handover, NationalCommunication, Organisation, OrganisationType, Region, Role, RoleAssignment,
)
from .services import (
    communication_acknowledge, communication_create, communication_send, handover_item_update, handover_start,
    organisation_create, role_assign,
)

ORGANISATIONS = [
    # (ODS code, name, type, region, generic MSO mailbox, ICB code)
    ("Q9Z", "Riverside and Hillside Integrated Care Board", OrganisationType.ICB, Region.MIDLANDS, "", None),
    ("R9R", "Riverside University Hospitals NHS Foundation Trust", OrganisationType.NHS_TRUST, Region.MIDLANDS,
     "riverside.mso@nhs.example", "Q9Z"),
    ("R9H", "Hillside Community and Mental Health NHS Trust", OrganisationType.NHS_TRUST, Region.MIDLANDS,
     "hillside.mso@nhs.example", "Q9Z"),
    ("Y99001", "Meadowbank Surgery", OrganisationType.GP_PRACTICE, Region.MIDLANDS, "", "Q9Z"),
    ("F9A01", "Brookside Pharmacy", OrganisationType.COMMUNITY_PHARMACY, Region.MIDLANDS, "", "Q9Z"),
]

PEOPLE = [
    # (email, full name, ODS code or None, role)
    ("registry@medsafety.example", "Nadia Okafor", None, Role.REGISTRY_ADMIN),
    ("staff@riverside.example", "Sam Patel", "R9R", Role.STAFF),
    ("mso@riverside.example", "Dr Priya Shah", "R9R", Role.MSO),
    ("director@riverside.example", "Helen Morgan", "R9R", Role.BOARD_DIRECTOR),
    ("cso@riverside.example", "Tom Fletcher", "R9R", Role.CSO),
    ("governance@riverside.example", "Grace Adeyemi", "R9R", Role.GOVERNANCE),
    ("mso@hillside.example", "Owen Hughes", "R9H", Role.MSO),
]


def seed(*, password: str) -> list[tuple[str, str]]:
    """Create what is missing, change nothing that is there; returns (email, role) sign-ins."""
    with transaction.atomic():
        registry_admin = demo_user("registry@medsafety.example", "Nadia Okafor", password)
        if not RoleAssignment.objects.current().filter(user=registry_admin, role=Role.REGISTRY_ADMIN).exists():
            # The first administrator has nobody to appoint them: recorded as a system change.
            assignment = RoleAssignment.objects.create(
                user=registry_admin, role=Role.REGISTRY_ADMIN, start_date=date(2024, 4, 1)
            )
            audit_record(actor=None, action="role.assigned", target=assignment, changes={"role": [None, Role.REGISTRY_ADMIN]})

        by_code = {}
        for code, name, kind, region, mailbox, icb_code in ORGANISATIONS:
            organisation = Organisation.objects.filter(ods_code=code).first()
            if organisation is None:
                organisation = organisation_create(
                    actor=registry_admin,
                    name=name,
                    ods_code=code,
                    organisation_type=kind,
                    region=region,
                    icb=by_code.get(icb_code),
                    generic_mso_email=mailbox,
                    record_confirmed_on=timezone.localdate() - timedelta(days=80) if mailbox else None,
                )
            by_code[code] = organisation

        sign_ins = [("registry@medsafety.example", Role.REGISTRY_ADMIN.label)]
        for email, full_name, code, role in PEOPLE[1:]:
            user = demo_user(email, full_name, password)
            organisation = by_code[code]
            if not RoleAssignment.objects.current().filter(user=user, organisation=organisation, role=role).exists():
                role_assign(actor=registry_admin, user=user, role=role, organisation=organisation, start_date=date(2025, 4, 1))
            sign_ins.append((email, f"{Role(role).label}, {organisation.name}"))
        _seed_national(registry_admin, password)
        _seed_hillside_handover(password)
        _seed_communications(registry_admin)
    return sign_ins


# A national spread: (region, ICB code, ICB name, [(trust code, trust name), ...])
NATIONAL = [
    (Region.LONDON, "Q9L", "North Thames ICB", [("R9A", "Thameside Teaching Hospitals"), ("R9B", "Kingsway Mental Health"), ("R9C", "Riverbank Children's Hospital")]),
    (Region.NORTH_WEST, "Q9N", "Pennine and Mersey ICB", [("R9D", "Merseyside Acute Hospitals"), ("R9E", "Pennine Community Health"), ("R9F", "Lakeland Hospitals")]),
    (Region.SOUTH_WEST, "Q9S", "Severn and Moor ICB", [("R9G", "Severnvale Hospitals"), ("R9J", "Moorland Community Services"), ("R9K", "Coastal Ambulance Service")]),
    (Region.EAST_OF_ENGLAND, "Q9E", "Fenland and Broads ICB", [("R9L", "Fenland General Hospitals"), ("R9M", "Broads Mental Health")]),
    (Region.NORTH_EAST_YORKSHIRE, "Q9Y", "Dales and Tees ICB", [("R9N", "Teesside University Hospitals"), ("R9P", "Dales Community Care"), ("R9Q", "Wolds Hospitals")]),
    (Region.SOUTH_EAST, "Q9K", "Downs and Weald ICB", [("R9S", "Downland Hospitals"), ("R9T", "Weald Partnership")]),
]
FIRST_NAMES = ["Aisha", "Ben", "Chloe", "Daniel", "Efua", "Finn", "Gita", "Harry", "Isla", "Jamal", "Kate", "Liam", "Maya", "Niall", "Olu", "Rosa"]
SURNAMES = ["Ahmed", "Brown", "Clarke", "Davies", "Evans", "Fraser", "Gupta", "Hall", "Iqbal", "Jones", "Khan", "Lewis", "Murphy", "Nowak", "Okoro", "Price"]


def _seed_national(registry_admin, password: str) -> None:
    """About thirty more organisations: every third trust has no MSO, every fourth is stale,
    every fifth has no board director. Made once; a second run finds them and stops."""
    if Organisation.objects.filter(ods_code="Q9L").exists():
        return
    today = timezone.localdate()
    n = 0
    for region, icb_code, icb_name, trusts in NATIONAL:
        icb = organisation_create(
            actor=registry_admin, name=icb_name, ods_code=icb_code, organisation_type=OrganisationType.ICB, region=region,
            generic_mso_email=f"{icb_code.lower()}.medsafety@nhs.example", record_confirmed_on=today - timedelta(days=120),
        )
        for code, name in trusts:
            n += 1
            trust = organisation_create(
                actor=registry_admin, name=f"{name} NHS Foundation Trust", ods_code=code,
                organisation_type=OrganisationType.NHS_TRUST, region=region, icb=icb,
                generic_mso_email=f"{code.lower()}.mso@nhs.example",
                record_confirmed_on=today - timedelta(days=500 if n % 4 == 0 else 30 * (n % 10) + 10),
            )
            people = [(Role.MSO, "mso")] if n % 3 else []
            if n % 5:
                people.append((Role.BOARD_DIRECTOR, "director"))
            for role, prefix in people:
                first, last = FIRST_NAMES[(n * 3 + len(prefix)) % 16], SURNAMES[(n * 5 + len(prefix)) % 16]
                user = demo_user(f"{prefix}@{code.lower()}.example", f"{first} {last}", password)
                role_assign(actor=registry_admin, user=user, role=role, organisation=trust, start_date=date(2024, 4, 1) + timedelta(days=20 * n))
    # A GP practice and a pharmacy in each of two regions, without an MSO, as is usual for small providers.
    for code, name, kind, region in [
        ("L99001", "Parkside Medical Centre", OrganisationType.GP_PRACTICE, Region.LONDON),
        ("N99002", "Harbour Lane Surgery", OrganisationType.GP_PRACTICE, Region.NORTH_WEST),
        ("F9L01", "Thameside Community Pharmacy", OrganisationType.COMMUNITY_PHARMACY, Region.LONDON),
        ("F9N02", "Mersey Road Pharmacy", OrganisationType.COMMUNITY_PHARMACY, Region.NORTH_WEST),
        ("R9U", "Greenfields Independent Hospital", OrganisationType.INDEPENDENT_PROVIDER, Region.SOUTH_EAST),
    ]:
        organisation_create(actor=registry_admin, name=name, ods_code=code, organisation_type=kind, region=region)


def _seed_hillside_handover(password: str) -> None:
    """Hillside's MSO is leaving: the handover is part-way through, for the demo to show."""
    hillside = Organisation.objects.get(ods_code="R9H")
    if Handover.objects.filter(organisation=hillside).exists():
        return
    outgoing = RoleAssignment.objects.current().get(organisation=hillside, role=Role.MSO).user
    successor = demo_user("amara.lewis@hillside.example", "Dr Amara Lewis", password)
    today = timezone.localdate()
    handover = handover_start(
        actor=outgoing, organisation=hillside, successor=successor,
        leaving_date=today + timedelta(days=1), successor_start_date=today + timedelta(days=2),
    )
    handover_item_update(
        actor=outgoing, item=handover.items.get(code="tell_director"), done=True,
        evidence="Told the Medication Safety Committee at its November meeting (minutes item 4).",
    )


def _seed_communications(registry_admin) -> None:
    """A monthly Medication Safety Update to everyone, and an alert needing action in the Midlands
    that Hillside has received and Riverside has not yet answered. Made once, found by title."""
    if NationalCommunication.objects.filter(title__startswith="Medication Safety Update:").exists():
        return
    today = timezone.localdate()
    update = communication_create(
        actor=registry_admin, kind=NationalCommunication.Kind.SAFETY_UPDATE,
        title=f"Medication Safety Update: {today:%B %Y}",
        body="This month: look-alike sound-alike insulin names; learning from omitted time-critical medicines; "
             "the next national MSO webinar is on the second Tuesday of the month.",
    )
    communication_send(actor=registry_admin, communication=update)
    alert = communication_create(
        actor=registry_admin, kind=NationalCommunication.Kind.ACTION_REQUIRED,
        title="Oral methotrexate: confirm weekly dosing is enforced in e-prescribing",
        body="Confirm that your electronic prescribing system defaults oral methotrexate to a once-weekly dose, "
             "and that a second check is in place for any daily prescription. Mark the action complete with what you found.",
        action_required_by=today + timedelta(days=14), region=Region.MIDLANDS,
    )
    communication_send(actor=registry_admin, communication=alert)
    hillside = Organisation.objects.get(ods_code="R9H")
    hillside_mso = RoleAssignment.objects.current().filter(organisation=hillside, role=Role.MSO).first()
    if hillside_mso:
        communication_acknowledge(
            actor=hillside_mso.user, recipient=alert.recipients.get(organisation=hillside),
            state=CommunicationRecipient.State.RECEIVED,
        )
