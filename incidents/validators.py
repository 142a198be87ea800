"""Checks of the identifiers and names a report carries, with messages a reporter can act on."""

import re

from django.core.exceptions import ValidationError


def normalise_nhs_number(value: str) -> str:
    """Spaces and dashes are how NHS numbers are written (943 476 5919); they are not part of it."""
    return re.sub(r"[\s-]", "", value or "")


def nhs_number_check_digit_ok(digits: str) -> bool:
    """Modulus 11: weights 10..2 on the first nine digits; 11 means 0 and 10 means no valid number."""
    if not re.fullmatch(r"\d{10}", digits):
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def validate_nhs_number(value: str) -> None:
    digits = normalise_nhs_number(value)
    if not digits.isdigit():
        raise ValidationError("An NHS number has only digits (spaces are allowed), for example 943 476 5919.")
    if len(digits) != 10:
        raise ValidationError(f"An NHS number has 10 digits; this one has {len(digits)}.")
    if not nhs_number_check_digit_ok(digits):
        raise ValidationError(
            "This is not a valid NHS number: its last digit does not match the others. Check it against the "
            "patient's wristband or record, or leave it blank."
        )


# Names that mark a medicine as high-alert (PRODUCT.md). Matched as words anywhere in the
# name as typed, so "Insulin aspart", "Enoxaparin 40mg" and "KCl 15%" all match.
HIGH_ALERT_MEDICINE_WORDS = (
    "insulin", "actrapid", "humulin", "novorapid", "lantus", "levemir",
    "heparin", "enoxaparin", "dalteparin", "tinzaparin", "warfarin", "apixaban", "rivaroxaban", "edoxaban",
    "dabigatran",
    "morphine", "diamorphine", "oxycodone", "fentanyl", "alfentanil", "remifentanil", "hydromorphone", "methadone",
    "buprenorphine", "tramadol", "codeine", "pethidine", "tapentadol",
    "methotrexate",
    "potassium chloride", "kcl", "strong potassium", "concentrated potassium",
    "vincristine", "cyclophosphamide", "cisplatin", "carboplatin", "doxorubicin", "paclitaxel", "fluorouracil",
    "chemotherapy",
    "midazolam", "propofol",
    "bupivacaine", "levobupivacaine", "epidural", "intrathecal",
    "hypertonic sodium chloride", "sodium chloride 3%", "sodium chloride 30%",
)
_HIGH_ALERT_PATTERN = re.compile(
    r"(?<![a-z])(" + "|".join(re.escape(w) for w in sorted(HIGH_ALERT_MEDICINE_WORDS, key=len, reverse=True)) + r")",
    re.IGNORECASE,
)


def is_known_high_alert_medicine(name: str) -> bool:
    return bool(_HIGH_ALERT_PATTERN.search(name or ""))
