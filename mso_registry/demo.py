"""Demo organisations and role holders: two fictional trusts, Riverside and Hillside."""

from datetime import date

from django.db import transaction

from audit.services import audit_record
from users.demo import demo_user

from .models import Organisation, OrganisationType, Region, Role, RoleAssignment
from .services import role_assign

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
            audit_record(actor=None, action="role.assigned", target=assignment, changes={"role": [None, "registry_admin"]})

        by_code = {}
        for code, name, kind, region, mailbox, icb_code in ORGANISATIONS:
            organisation = Organisation.objects.filter(ods_code=code).first()
            if organisation is None:
                from .services import organisation_create

                organisation = organisation_create(
                    actor=registry_admin,
                    name=name,
                    ods_code=code,
                    organisation_type=kind,
                    region=region,
                    icb=by_code.get(icb_code),
                    generic_mso_email=mailbox,
                    record_confirmed_on=date(2026, 9, 1) if mailbox else None,
                )
            by_code[code] = organisation

        sign_ins = [("registry@medsafety.example", Role.REGISTRY_ADMIN.label)]
        for email, full_name, code, role in PEOPLE[1:]:
            user = demo_user(email, full_name, password)
            organisation = by_code[code]
            if not RoleAssignment.objects.current().filter(user=user, organisation=organisation, role=role).exists():
                role_assign(actor=registry_admin, user=user, role=role, organisation=organisation, start_date=date(2025, 4, 1))
            sign_ins.append((email, f"{Role(role).label}, {organisation.name}"))
    return sign_ins
