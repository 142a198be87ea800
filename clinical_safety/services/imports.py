"""Manufacturer to deployer: importing a supplier's issued hazard log as Transferred hazards."""

import json

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from audit.services import audit_record
from core.domain import DomainError

from ..models import Hazard, HazardControl, HazardLogImport, HazardStatus, HealthITSystem, Standard
from ..selectors import content_hash
from .shared import (
    HAZARD_INPUT_FIELDS,
    _apply_hazard_details,
    _live_hash_keep,
    _record_score,
    _require_editor,
    _safety_cases_mark_out_of_date,
)


EXPORT_FORMAT = "medsafety-hub/hazard-log/1"


IMPORTED_TEXT_FIELDS = [
    "title", "description", "causes", "effect", "clinical_impact", "existing_controls", "residual_justification", "actions",
]  # fmt: skip


def _import_shape_problem(log: dict) -> str:
    """Why an imported hazard log cannot be read, or "". Its hash proves only that it was not changed
    since it was made, not that it is well formed, so its shape and text are checked before anything is saved."""
    system = log.get("system")
    if not isinstance(system, dict) or not all(isinstance(system.get(k), str) for k in ("manufacturer", "name", "version")):
        return "The file does not say which system it is for (its manufacturer, name and version)."
    hazards = log.get("hazards")
    if not isinstance(hazards, list) or not all(isinstance(h, dict) for h in hazards):
        return "The file's hazards are not a list of hazards."
    for entry in hazards:
        if not isinstance(entry.get("reference"), str) or not entry["reference"].strip():
            return "A hazard in the file has no reference."
        not_text = [f for f in IMPORTED_TEXT_FIELDS if not isinstance(entry.get(f), (str, type(None)))]
        if not_text:
            return f"{entry['reference']} in the file: {', '.join(not_text).replace('_', ' ')} must be text."
        controls = entry.get("controls", [])
        if not isinstance(controls, list) or not all(
            isinstance(c, dict) and isinstance(c.get("type"), str) and isinstance(c.get("description"), str)
            for c in controls
        ):
            return f"{entry['reference']} in the file: its controls are not in the expected shape."
    if "\\u0000" in json.dumps(log):  # NUL characters cannot be stored (PostgreSQL refuses them)
        return "The file contains NUL characters, so it is not a hazard log exported from MedSafety Hub."
    return ""


def _validation_text(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(f"{field.replace('_', ' ')}: {' '.join(messages)}" for field, messages in error.message_dict.items())
    return " ".join(error.messages)


def _already_imported(earlier: HazardLogImport) -> str:
    first, last = earlier.first_number, earlier.first_number + earlier.hazard_count - 1
    added = {0: "it had no hazards", 1: f"its hazard is H-{first:03d}"}.get(
        earlier.hazard_count, f"its {earlier.hazard_count} hazards are H-{first:03d} to H-{last:03d}"
    )
    return (
        f"This file ({earlier.origin}) was imported on {timezone.localtime(earlier.imported_at):%-d %b %Y} by "
        f"{earlier.imported_by.get_full_name()}: {added}. Importing it again would add every hazard twice; "
        "edit those hazards instead, or import the manufacturer's newer version."
    )


def hazard_log_import(*, actor, system: HealthITSystem, document: dict) -> list[Hazard]:
    """A deployer (DCB0160) takes a manufacturer's issued hazard log into its own log. Each hazard
    is added as Transferred, numbered after the local ones, with its controls and where it came from.
    The file's content hash is checked first, so an edited file is refused; a deployer's own log, or a
    file this system has already imported (kept as a HazardLogImport), is refused with the reason."""
    log = document.get("hazard_log") if isinstance(document, dict) else None
    if not isinstance(log, dict) or document.get("format") != EXPORT_FORMAT or "hazards" not in log:
        raise DomainError("This is not a hazard log exported from MedSafety Hub (format medsafety-hub/hazard-log/1).")
    if content_hash(log) != document.get("content_hash"):
        raise DomainError("The file's content does not match its content hash: it was changed after it was issued.")
    problem = _import_shape_problem(log)
    if problem:
        raise DomainError(problem)
    if str(log["system"].get("standard", "")).startswith("DCB0160"):
        raise DomainError(
            f"This is a deployer's (DCB0160) hazard log, {log['system'].get('organisation') or 'another organisation'}'s "
            "own: only a manufacturer's (DCB0129) hazard log can be imported. Ask the manufacturer for theirs."
        )
    with transaction.atomic():
        system = HealthITSystem.objects.select_for_update().select_related("organisation").get(pk=system.pk)
        _require_editor(actor, system)
        if system.standard != Standard.DCB0160:
            raise DomainError("Only a deployer's (DCB0160) hazard log imports a manufacturer's hazards.")
        # Under the system's lock, so two uploads of one file cannot both pass this check.
        earlier = system.hazard_log_imports.filter(content_hash=document["content_hash"]).select_related("imported_by").first()
        if earlier is not None:
            raise DomainError(_already_imported(earlier))
        number = system.hazards.aggregate(n=Max("number"))["n"] or 0
        origin = f"{log['system']['manufacturer']} {log['system']['name']} {log['system']['version']}, hazard log version {document.get('version')}"
        first_number = number + 1
        imported = []
        for entry in log["hazards"]:
            number += 1
            now = timezone.now()
            hazard = Hazard(system=system, number=number, created_at=now, updated_at=now,
                            status=HazardStatus.TRANSFERRED, source=f"{origin}, {entry['reference']}"[:300])
            details = {f: entry.get(f) for f in HAZARD_INPUT_FIELDS if f not in {"owner", "status", "review_date"}}
            try:
                _apply_hazard_details(hazard, {k: v if v is not None else "" for k, v in details.items()})
                hazard.clean_fields(exclude={"system", "owner"})  # lengths, choices and numbers, as the form checks
            except (DomainError, ValueError, TypeError, KeyError) as error:
                raise DomainError(f"{entry.get('reference', 'A hazard')} in the file: {error}") from error
            except ValidationError as error:
                raise DomainError(f"{entry['reference']} in the file: {_validation_text(error)}") from error
            hazard.save()
            for control in entry.get("controls", []):
                control = HazardControl(
                    hazard=hazard, added_by=actor, control_type=control["type"], description=control["description"],
                    verification=control.get("verification") or "", verified_on=control.get("verified_on"),
                )
                try:
                    control.clean_fields(exclude={"hazard", "added_by"})
                except ValidationError as error:
                    raise DomainError(f"{entry['reference']} in the file, a control: {_validation_text(error)}") from error
                control.save()
            _record_score(hazard, actor)
            audit_record(
                actor=actor, action="hazard.imported", target=hazard, organisation=system.organisation,
                changes={"source": [None, hazard.source], "status": [None, hazard.status]},
            )
            imported.append(hazard)
        HazardLogImport.objects.create(
            system=system, content_hash=document["content_hash"], origin=origin[:300], first_number=first_number,
            hazard_count=len(imported), imported_by=actor,
        )
        if imported:
            _safety_cases_mark_out_of_date(
                system=system, actor=actor, reason=f"{len(imported)} hazards were imported from {origin}"
            )
            _live_hash_keep(system)
    return imported
