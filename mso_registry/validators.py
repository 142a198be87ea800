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


# Registration body -> (pattern, what a number from that body looks like)
REGISTRATION_FORMATS = {
    "gmc": (re.compile(r"^\d{7}$"), "a GMC number is 7 digits, e.g. 1234567"),
    "nmc": (re.compile(r"^\d{2}[A-Z]\d{4}[A-Z]$"), "an NMC PIN is 2 digits, a letter, 4 digits and a letter, e.g. 01A2345N"),
    "gphc": (re.compile(r"^\d{7}$"), "a GPhC number is 7 digits, e.g. 2071234"),
    "hcpc": (re.compile(r"^[A-Z]{2,3}\d{5,6}$"), "an HCPC number is the profession's letters and digits, e.g. PH123456"),
}


def normalise_registration_number(value: str) -> str:
    return re.sub(r"\s+", "", value or "").upper()


def validate_registration_number(body: str, number: str) -> None:
    """Check a professional registration number against its body's format."""
    rule = REGISTRATION_FORMATS.get(body)
    if rule is None:
        return
    code = normalise_registration_number(number)
    if not code:
        raise ValidationError("Enter the registration number, or choose “Not registered”.", code="registration_missing")
    if not rule[0].match(code):
        raise ValidationError(
            "“%(value)s” is not a valid number: %(hint)s.", code="registration_format", params={"value": number, "hint": rule[1]}
        )
