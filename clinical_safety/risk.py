"""The DCB0129/DCB0160 risk matrix: severity and likelihood in, a risk rating 1-5 out.

A rating is always looked up here, never typed, so that a hazard's rating cannot disagree
with its severity and likelihood. The database keeps the same rule as a check constraint
(see `rating_matches_matrix`).
"""

from django.db import models
from django.db.models import Q


class Severity(models.IntegerChoices):
    MINOR = 1, "Minor"
    SIGNIFICANT = 2, "Significant"
    CONSIDERABLE = 3, "Considerable"
    MAJOR = 4, "Major"
    CATASTROPHIC = 5, "Catastrophic"


class Likelihood(models.IntegerChoices):
    VERY_LOW = 1, "Very low"
    LOW = 2, "Low"
    MEDIUM = 3, "Medium"
    HIGH = 4, "High"
    VERY_HIGH = 5, "Very high"


# Rows by likelihood, columns by severity (Minor ... Catastrophic), as the standard prints it.
MATRIX: dict[int, tuple[int, int, int, int, int]] = {
    Likelihood.VERY_HIGH: (3, 4, 4, 5, 5),
    Likelihood.HIGH: (2, 3, 3, 4, 5),
    Likelihood.MEDIUM: (2, 2, 3, 3, 4),
    Likelihood.LOW: (1, 2, 2, 3, 4),
    Likelihood.VERY_LOW: (1, 1, 2, 2, 3),
}

RATING_MEANINGS = {
    1: "Acceptable, no further action required.",
    2: "Acceptable where further risk reduction is impractical or costs more than it gains.",
    3: "Undesirable: acceptable only with a recorded justification that further reduction is impractical.",
    4: "Mandatory elimination or control to reduce the risk to an acceptable level.",
    5: "Unacceptable.",
}

RATING_NAMES = {1: "Acceptable", 2: "Acceptable", 3: "Undesirable", 4: "Mandatory control", 5: "Unacceptable"}
# A rating as people read it ("3 Undesirable"), for the model's choices and so its history.
RATING_CHOICES = [(rating, f"{rating} {name}") for rating, name in RATING_NAMES.items()]

SEVERITY_DEFINITIONS = {
    Severity.MINOR: "Negligible consequence.",
    Severity.SIGNIFICANT: "Minor injury recovering in the short term; minor psychological upset; inconvenience.",
    Severity.CONSIDERABLE: "Minor injury not recovering in the short term; significant psychological trauma.",
    Severity.MAJOR: "Severe injury with short-term recovery; severe psychological trauma.",
    Severity.CATASTROPHIC: "Death or permanent life-changing incapacity.",
}

LIKELIHOOD_DEFINITIONS = {
    Likelihood.VERY_HIGH: "Certain or almost certain.",
    Likelihood.HIGH: "Not certain but very possible.",
    Likelihood.MEDIUM: "Possible.",
    Likelihood.LOW: "Could occur but in the great majority of occasions will not.",
    Likelihood.VERY_LOW: "Negligible or nearly negligible possibility.",
}

# The highest residual rating a safety case can rest on.
HIGHEST_ISSUABLE_RATING = 3
# The residual rating that is accepted only with a written justification.
JUSTIFICATION_REQUIRED_RATING = 3


def risk_rating(severity: int, likelihood: int) -> int:
    """The matrix rating for a severity and likelihood (both 1-5)."""
    severity, likelihood = Severity(severity), Likelihood(likelihood)  # ValueError for anything off the scale
    return MATRIX[likelihood][severity - 1]


def needs_justification(rating: int | None) -> bool:
    return rating == JUSTIFICATION_REQUIRED_RATING


def rating_matches_matrix(severity_field: str, likelihood_field: str, rating_field: str) -> Q:
    """A Q that is true only when the stored rating is the matrix's, for a CheckConstraint."""
    condition = Q()
    for likelihood, row in MATRIX.items():
        for severity, rating in zip(Severity, row, strict=True):
            condition |= Q(**{severity_field: severity, likelihood_field: likelihood, rating_field: rating})
    return condition
