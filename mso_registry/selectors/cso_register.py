"""The clinical safety officer register: who may sign as CSO, and why not."""

from ..models import ClinicalSafetyTraining, ProfessionalDetails, Role, RoleAssignment
from .roles import current_roles_of, organisations_visible_to


def cso_signing_refusals(user) -> list[str]:
    """Why this person may not sign a hazard log or safety case as CSO; empty when they may.

    DCB0129/0160 ask for a CSO with current professional registration and clinical safety training.
    What the person records is a claim: each counts once the registry administrator or the governance
    team of their organisation has verified it."""
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


def cso_register(user) -> list[dict]:
    """Every current CSO the reader may see, with registration, training and whether they may sign."""
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
