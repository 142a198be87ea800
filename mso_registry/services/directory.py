"""Import of organisations into the national registry from a CSV file."""

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from audit.services import audit_record, changes_between, snapshot
from core.domain import DomainError, NotAllowed

from .. import permissions
from ..models import Organisation, OrganisationType, Region
from ..validators import normalise_ods_code
from .records import ORGANISATION_FIELDS

IMPORT_COLUMNS = ["ods_code", "name", "organisation_type", "region", "icb_ods_code", "generic_mso_email"]
MAX_IMPORT_ROWS = 5000
MAX_IMPORT_BYTES = 2 * 1024 * 1024


@dataclass
class ImportRow:
    line: int
    ods_code: str
    name: str
    accepted: bool = False
    reasons: list[str] = field(default_factory=list)


def _choice(value: str, choices) -> str | None:
    """Accept a choice by its stored value or its label, in any case."""
    wanted = value.strip().lower()
    for stored, label in choices:
        if wanted in (stored.lower(), label.lower()):
            return stored
    return None


def _read_csv(data: bytes) -> list[dict]:
    if len(data) > MAX_IMPORT_BYTES:
        raise DomainError("The file is larger than 2 MB; split it into smaller files.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DomainError("The file is not UTF-8 text. Save it from your spreadsheet as “CSV UTF-8”.") from error
    if "\x00" in text:
        raise DomainError("The file contains NUL characters, so it is not a CSV file. Save it from your spreadsheet as “CSV UTF-8”.")
    try:
        return _csv_rows(text)
    except csv.Error as error:  # e.g. a stray carriage return inside a field
        raise DomainError(f"The file cannot be read as CSV ({error}). Save it from your spreadsheet as “CSV UTF-8”.") from error


def _csv_rows(text: str) -> list[dict]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    headers = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in IMPORT_COLUMNS if c not in headers and c not in ("icb_ods_code", "generic_mso_email")]
    if missing:
        raise DomainError(f"The first row must name the columns; these are missing: {', '.join(missing)}.")
    reader.fieldnames = headers
    rows = []
    for row in reader:
        rows.append({k: (v or "").strip() for k, v in row.items() if k})
        if len(rows) > MAX_IMPORT_ROWS:
            raise DomainError(f"The file has more than {MAX_IMPORT_ROWS} rows; split it into smaller files.")
    if not rows:
        raise DomainError("The file has no rows under its header.")
    return rows


def organisations_import(*, actor, data: bytes) -> list[ImportRow]:
    """Add each valid row as a new organisation; refuse each invalid row with its reasons.

    Every accepted row is saved, with its audit record, in one transaction: if anything fails
    part-way, nothing is imported."""
    if not permissions.is_registry_admin(actor):
        raise NotAllowed("Only the national registry administrator imports organisations.")
    rows = _read_csv(data)
    existing = set(Organisation.objects.values_list("ods_code", flat=True))
    icbs = {o.ods_code: o for o in Organisation.objects.filter(organisation_type=OrganisationType.ICB)}
    report, to_create, seen = [], [], set()
    for line, row in enumerate(rows, start=2):
        code = normalise_ods_code(row.get("ods_code", ""))
        result = ImportRow(line=line, ods_code=code, name=row.get("name", "")[:200])
        organisation_type = _choice(row.get("organisation_type", ""), OrganisationType.choices)
        region = _choice(row.get("region", ""), Region.choices)
        if organisation_type is None:
            result.reasons.append(f"Type “{row.get('organisation_type', '')}” is not one of: {', '.join(OrganisationType.labels)}.")
        if region is None:
            result.reasons.append(f"Region “{row.get('region', '')}” is not one of: {', '.join(Region.labels)}.")
        if code in existing:
            result.reasons.append(f"{code} is already in the registry.")
        elif code in seen:
            result.reasons.append(f"{code} appears earlier in this file.")
        icb_code = normalise_ods_code(row.get("icb_ods_code", ""))
        icb = icbs.get(icb_code)
        if icb_code and icb is None:
            result.reasons.append(f"No ICB with ODS code {icb_code} is in the registry.")
        organisation = Organisation(
            name=row.get("name", ""), ods_code=code, organisation_type=organisation_type or "", region=region or "",
            icb=icb, generic_mso_email=row.get("generic_mso_email", ""),
        )
        organisation.listed_mailbox = organisation.generic_mso_email
        try:
            # Uniqueness and unknown choices are reported above in plainer words.
            skip = [name for name, ok in (("organisation_type", organisation_type), ("region", region)) if not ok]
            organisation.full_clean(exclude=skip, validate_unique=False)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                label = Organisation._meta.get_field(name).verbose_name if name != "__all__" else ""
                result.reasons.extend(f"{label.capitalize()}: {m}" if label else m for m in messages)
        if not result.reasons:
            result.accepted = True
            seen.add(code)
            if organisation_type == OrganisationType.ICB:
                icbs[code] = organisation
            to_create.append(organisation)
        report.append(result)
    with transaction.atomic():
        # In file order, so that an ICB added by an earlier row is saved before its members.
        for organisation in to_create:
            organisation.save()
            audit_record(
                actor=actor, action="organisation.imported", target=organisation, organisation=organisation,
                changes=changes_between({}, snapshot(organisation, ORGANISATION_FIELDS)),
            )
    return report
