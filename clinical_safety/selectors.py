"""Reads of clinical safety records, scoped to the reader."""

import hashlib
import json

from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from mso_registry.models import ProfessionalDetails, Role
from mso_registry.selectors import current_roles_of
from users.models import User

from .models import (
    Hazard,
    HazardControl,
    HazardLogVersion,
    HealthITSystem,
    SafetyCaseReport,
    SafetyCaseStatus,
)
from .permissions import READER_ROLES
from .risk import HIGHEST_ISSUABLE_RATING, RATING_MEANINGS, needs_justification

REGISTRATION_ABBREVIATIONS = {"gmc": "GMC", "nmc": "NMC", "gphc": "GPhC", "hcpc": "HCPC"}


def _readable_organisation_ids(user) -> set[int]:
    return {a.organisation_id for a in current_roles_of(user) if a.organisation_id and a.role in READER_ROLES}


def systems_visible_to(user) -> QuerySet[HealthITSystem]:
    """Systems of the organisations where the user holds a clinical safety reading role; nobody
    else's, so another organisation's system is a 404."""
    return HealthITSystem.objects.filter(organisation_id__in=_readable_organisation_ids(user)).select_related(
        "organisation", "cso"
    )


def system_list_for(user) -> QuerySet[HealthITSystem]:
    return systems_visible_to(user).annotate(
        hazard_count=Count("hazards", distinct=True),
        high_residual_count=Count("hazards", filter=Q(hazards__residual_rating__gte=4), distinct=True),
    ).order_by("organisation__name", "name")


def hazards_of(system: HealthITSystem) -> QuerySet[Hazard]:
    return system.hazards.select_related("owner").prefetch_related(
        Prefetch("controls", queryset=HazardControl.objects.order_by("pk"))
    )


# What a row of the hazard log page shows of each hazard (clinical_safety.hazard_rows).
HAZARD_ROW_FIELDS = ("pk", "number", "title", "initial_rating", "residual_rating", "status", "owner__full_name",
                     "owner__email", "control_count")


def hazard_log_rows(system: HealthITSystem) -> QuerySet:
    """The hazard log page's rows as plain values, in number order: a big log's page of 50 hazards built as
    objects, with every control prefetched only to be counted, was most of the page's time. The controls
    are counted by a subquery per row shown, never over the whole log."""
    controls = (HazardControl.objects.filter(hazard=OuterRef("pk")).order_by().values("hazard")
                .annotate(n=Count("pk")).values("n"))
    return (system.hazards.annotate(control_count=Coalesce(Subquery(controls, output_field=IntegerField()), 0))
            .order_by("number").values(*HAZARD_ROW_FIELDS))


def safety_cases_visible_to(user) -> QuerySet[SafetyCaseReport]:
    return SafetyCaseReport.objects.filter(
        system__organisation_id__in=_readable_organisation_ids(user)
    ).select_related("system", "system__organisation", "author", "decided_by", "hazard_log_version")


def hazard_log_versions_visible_to(user) -> QuerySet[HazardLogVersion]:
    return HazardLogVersion.objects.filter(
        system__organisation_id__in=_readable_organisation_ids(user)
    ).select_related("system", "system__organisation")


# --- The frozen hazard log -----------------------------------------------------------------


def hazard_log_snapshot(system: HealthITSystem) -> dict:
    """Every hazard of the system with its controls, as plain values and their labels.

    Only content goes in (no timestamps of the rows themselves), so an unchanged log always
    gives the same snapshot and the same hash."""
    hazards = []
    for hazard in hazards_of(system).order_by("number"):
        hazards.append(
            {
                "reference": hazard.reference,
                "number": hazard.number,
                "title": hazard.title,
                "description": hazard.description,
                "causes": hazard.causes,
                "effect": hazard.effect,
                "clinical_impact": hazard.clinical_impact,
                "existing_controls": hazard.existing_controls,
                "initial_severity": hazard.initial_severity,
                "initial_severity_label": hazard.get_initial_severity_display(),
                "initial_likelihood": hazard.initial_likelihood,
                "initial_likelihood_label": hazard.get_initial_likelihood_display(),
                "initial_rating": hazard.initial_rating,
                "residual_severity": hazard.residual_severity,
                "residual_severity_label": hazard.get_residual_severity_display(),
                "residual_likelihood": hazard.residual_likelihood,
                "residual_likelihood_label": hazard.get_residual_likelihood_display(),
                "residual_rating": hazard.residual_rating,
                "residual_justification": hazard.residual_justification,
                "status": hazard.status,
                "status_label": hazard.get_status_display(),
                "owner": hazard.owner.get_full_name() if hazard.owner_id else "",
                "actions": hazard.actions,
                "review_date": hazard.review_date.isoformat() if hazard.review_date else None,
                "controls": [
                    {
                        "type": control.control_type,
                        "type_label": control.get_control_type_display(),
                        "description": control.description,
                        "verification": control.verification,
                        "verified_on": control.verified_on.isoformat() if control.verified_on else None,
                    }
                    for control in hazard.controls.all()
                ],
            }
        )
    return {
        "system": {
            "name": system.name,
            "manufacturer": system.manufacturer,
            "version": system.version,
            "standard": system.get_standard_display(),
            "organisation": system.organisation.name,
            "ods_code": system.organisation.ods_code,
        },
        "hazards": hazards,
    }


def content_hash(content) -> str:
    """SHA-256 of the canonical JSON of a document: sorted keys, no spaces."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def hazard_log_hash(system: HealthITSystem) -> str:
    return content_hash(hazard_log_snapshot(system))


def latest_hazard_log_version(system: HealthITSystem) -> HazardLogVersion | None:
    return system.hazard_log_versions.order_by("-number").first()


def hazard_log_changed_since(version: HazardLogVersion) -> bool:
    return hazard_log_hash(version.system) != version.content_hash


# Bump when hazard_log_snapshot changes shape, so that no cached hash of the old shape is reused.
SNAPSHOT_FORMAT = 1
_SNAPSHOT_INPUTS = [f.attname for f in Hazard._meta.concrete_fields if f.attname not in ("created_at",)]
_CONTROL_INPUTS = ["pk", "hazard_id", "control_type", "description", "verification", "verified_on"]


def hazard_log_hash_context(system: HealthITSystem, owners=None) -> dict:
    """What the live hash depends on outside the hazard log's own rows: the organisation's name and
    ODS code and the owners' names (changed by the registry and by people themselves)."""
    if owners is None:
        owners = User.objects.filter(pk__in=system.live_hash_context.get("owner_ids", []))
    names = sorted([o.pk, o.get_full_name()] for o in owners)
    return {"format": SNAPSHOT_FORMAT, "organisation": [system.organisation.name, system.organisation.ods_code],
            "owner_ids": [pk for pk, _ in names], "owners": names}


def hazard_log_live_hash(system: HealthITSystem) -> str:
    """The content hash of the live log, as hazard_log_snapshot would give it. Kept on the system by
    the services that change the log (clinical_safety.services._live_hash_keep): read it, and check
    the few things outside the log it depends on (one small query for the owners' names). Only when
    one of those changed, or no service has kept it yet, is it worked out from the rows."""
    if system.live_content_hash and system.live_hash_context == hazard_log_hash_context(system):
        return system.live_content_hash
    return hazard_log_live_hash_from_rows(system)


def hazard_log_live_hash_from_rows(system: HealthITSystem) -> str:
    """The live hash without building the snapshot when nothing has changed: the raw columns the
    snapshot is made from are read as plain tuples, hashed, and the snapshot's hash is cached under
    that. Any change to a hazard, a control, the system, its organisation or an owner's name changes
    the key. Reads every hazard of the log: the fallback, not the page's usual path."""
    hazards = list(system.hazards.order_by("number").values_list(*_SNAPSHOT_INPUTS))
    controls = list(HazardControl.objects.filter(hazard__system=system).order_by("pk").values_list(*_CONTROL_INPUTS))
    owner_ids = {row[_SNAPSHOT_INPUTS.index("owner_id")] for row in hazards} - {None}
    owners = list(User.objects.filter(pk__in=owner_ids).order_by("pk").values_list("pk", "full_name", "email"))
    organisation = system.organisation
    inputs = [SNAPSHOT_FORMAT, system.name, system.manufacturer, system.version, system.standard,
              organisation.name, organisation.ods_code, hazards, controls, owners]
    key = "hazard-log-hash:" + content_hash(inputs)
    found = cache.get(key)
    if found is None:
        found = hazard_log_hash(system)
        cache.set(key, found, 3600)
    return found


def hazard_heat_map_rows(system: HealthITSystem) -> list[tuple]:
    """What the heat maps need of every hazard, as plain tuples (reference, initial severity and
    likelihood, residual severity and likelihood) rather than model instances."""
    fields = ["number", "initial_severity", "initial_likelihood", "residual_severity", "residual_likelihood"]
    return [(f"H-{number:03d}", *scores) for number, *scores in system.hazards.order_by("number").values_list(*fields)]


def signer_registration(user) -> str:
    """e.g. "GPhC 2071234"; empty when no registration is on record."""
    details = ProfessionalDetails.objects.filter(user=user).first()
    if details is None or not details.is_registered:
        return ""
    body = REGISTRATION_ABBREVIATIONS.get(details.registration_body, details.registration_body.upper())
    return f"{body} {details.registration_number}"


# --- The safety argument ---------------------------------------------------------------------


def safety_argument_from(snapshot: dict) -> list[dict]:
    """A claim per hazard, generated from an issued hazard log, with its controls as evidence and
    whatever does not yet support the claim listed as a gap."""
    argument = []
    for hazard in snapshot["hazards"]:
        ref, rating = hazard["reference"], hazard["residual_rating"]
        justification = hazard["residual_justification"].strip()
        gaps = []
        if rating > HIGHEST_ISSUABLE_RATING:
            claim = f"{ref} is not yet reduced to an acceptable level."
            gaps.append(f"Residual risk rating {rating}: {RATING_MEANINGS[rating]}")
        elif needs_justification(rating) and not justification:
            claim = f"{ref} is not yet shown to be acceptable."
            gaps.append("The residual risk rating is 3 and no justification for accepting it is recorded.")
        elif needs_justification(rating):
            claim = f"{ref} is reduced as far as is practicable; its undesirable residual risk (3) is accepted."
        else:
            claim = f"{ref} is reduced to an acceptable level."
        evidence = [
            {
                "type": control["type_label"],
                "description": control["description"],
                "verification": control["verification"],
                "verified_on": control["verified_on"],
            }
            for control in hazard["controls"]
        ]
        for control in hazard["controls"]:
            if not (control["verification"] and control["verified_on"]):
                gaps.append(f"Control not yet verified: {control['description']}")
        if rating < hazard["initial_rating"] and not hazard["controls"]:
            gaps.append("The risk is scored lower after controls, but no additional control is recorded.")
        argument.append(
            {
                "reference": ref,
                "title": hazard["title"],
                "claim": claim,
                "initial_rating": hazard["initial_rating"],
                "residual_rating": rating,
                "justification": justification,
                "status": hazard["status_label"],
                "evidence": evidence,
                "gaps": gaps,
                "actions": hazard["actions"],
            }
        )
    return argument


def safety_case_submission_problems(report: SafetyCaseReport) -> list[str]:
    """Why this report cannot go to governance yet; empty when it can (signing aside)."""
    problems = []
    version = report.hazard_log_version
    if version.system_id != report.system_id:
        problems.append("The hazard log version belongs to another system.")
        return problems
    for hazard in version.snapshot["hazards"]:
        rating, label = hazard["residual_rating"], f"{hazard['reference']} ({hazard['title']})"
        if rating > HIGHEST_ISSUABLE_RATING:
            problems.append(
                f"{label} has a residual risk rating of {rating}. A safety case cannot be issued while any "
                "residual risk is 4 or 5: add controls and rescore it, then issue a new hazard log version."
            )
        elif needs_justification(rating) and not hazard["residual_justification"].strip():
            problems.append(
                f"{label} has a residual risk rating of 3 with no recorded justification that further "
                "reduction is impractical."
            )
    if hazard_log_changed_since(version):
        problems.append(
            f"The hazard log has changed since version {version.number} was issued. Issue a new version and "
            "base this report on it."
        )
    return problems


# --- Pages ------------------------------------------------------------------------------------


def safety_cases_awaiting(user) -> QuerySet[SafetyCaseReport]:
    """Submitted cases this governance member may decide (their own organisation, not their own report)."""
    organisations = {a.organisation_id for a in current_roles_of(user) if a.role == Role.GOVERNANCE}
    return (
        safety_cases_visible_to(user)
        .filter(status=SafetyCaseStatus.SUBMITTED, system__organisation_id__in=organisations)
        .exclude(author=user)
        .order_by("submitted_at")
    )


def home_summary(user) -> dict | None:
    """What the home page shows about clinical safety; None for someone with no reading role."""
    if not _readable_organisation_ids(user):
        return None
    systems = list(system_list_for(user))
    cases = safety_cases_visible_to(user)
    return {
        "systems": systems,
        "awaiting_me": list(safety_cases_awaiting(user)[:10]),
        "out_of_date": list(
            cases.filter(status=SafetyCaseStatus.APPROVED, out_of_date_at__isnull=False, superseded_by__isnull=True)
        ),
        "returned": list(cases.filter(status=SafetyCaseStatus.REJECTED, author=user)),
    }


def shows_clinical_safety_nav(user) -> bool:
    return bool(user.is_authenticated and _readable_organisation_ids(user))
