"""The NHS identifiers the registry checks on input, each with a message that says what is wrong."""

import re

from django.core.exceptions import ValidationError

ODS_GENERAL = re.compile(r"^[A-Z0-9]{3,6}$")

# Organisation type -> (pattern, what a code of that type looks like)
ODS_BY_TYPE = {
    "nhs_trust": (re.compile(r"^R[A-Z0-9]{2}$"), "an NHS trust's code is R followed by 2 letters or digits, e.g. RXF"),
    "trust_site": (re.compile(r"^R[A-Z0-9]{4}$"), "a trust site's code is 5 characters starting with R, e.g. RXF05"),
    "icb": (re.compile(r"^Q[A-Z0-9]{2}$"), "an ICB's code is Q followed by 2 letters or digits, e.g. QNQ"),
    "gp_practice": (re.compile(r"^[A-Z][0-9]{5}$"), "a GP practice's code is a letter and 5 digits, e.g. A81001"),
    "community_pharmacy": (
        re.compile(r"^F[A-Z0-9]{4}$"),
        "a community pharmacy's code is 5 characters starting with F, e.g. FW844",
    ),
}


def normalise_ods_code(value: str) -> str:
    return (value or "").strip().upper()


def validate_ods_code(value: str, organisation_type: str | None = None) -> None:
    code = normalise_ods_code(value)
    if not ODS_GENERAL.match(code):
        raise ValidationError(
            "An ODS code is 3 to 6 letters and digits, e.g. RXF or A81001; “%(value)s” is not.",
            code="ods_format",
            params={"value": value},
        )
    rule = ODS_BY_TYPE.get(organisation_type or "")
    if rule and not rule[0].match(code):
        raise ValidationError(
            "“%(value)s” does not fit the organisation type: %(hint)s.",
            code="ods_type",
            params={"value": code, "hint": rule[1]},
        )
