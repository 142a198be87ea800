"""The risk matrix, cell by cell, against the table as PRODUCT.md prints it (typed out again here,
not read from the module under test)."""

import pytest
from django.db import IntegrityError, transaction

from clinical_safety.models import Hazard
from clinical_safety.risk import Likelihood, Severity, needs_justification, risk_rating

SEVERITIES = ["Minor", "Significant", "Considerable", "Major", "Catastrophic"]
PRINTED = {
    "Very high": [3, 4, 4, 5, 5],
    "High": [2, 3, 3, 4, 5],
    "Medium": [2, 2, 3, 3, 4],
    "Low": [1, 2, 2, 3, 4],
    "Very low": [1, 1, 2, 2, 3],
}
CELLS = [
    (likelihood, severity, PRINTED[likelihood][i]) for likelihood in PRINTED for i, severity in enumerate(SEVERITIES)
]


def _severity(label):
    return next(s for s in Severity if s.label == label)


def _likelihood(label):
    return next(l for l in Likelihood if l.label == label)


def test_the_printed_table_has_25_cells():
    assert len(CELLS) == 25
    assert len({(l, s) for l, s, _ in CELLS}) == 25


@pytest.mark.parametrize("likelihood, severity, expected", CELLS, ids=[f"{l}-{s}" for l, s, _ in CELLS])
def test_matrix_cell(likelihood, severity, expected):
    assert risk_rating(_severity(severity), _likelihood(likelihood)) == expected


@pytest.mark.parametrize("severity, likelihood", [(0, 3), (6, 3), (3, 0), (3, 6)])
def test_scores_off_the_scale_are_refused(severity, likelihood):
    with pytest.raises(ValueError):
        risk_rating(severity, likelihood)


def test_only_a_rating_of_3_needs_a_justification():
    assert [r for r in range(1, 6) if needs_justification(r)] == [3]


@pytest.mark.django_db
def test_the_database_refuses_a_rating_that_disagrees_with_the_matrix(hazard):
    # Minor x Very low is 1, never 5: the check constraint holds even for a hand-made update.
    with pytest.raises(IntegrityError), transaction.atomic():
        Hazard.objects.filter(pk=hazard.pk).update(initial_severity=1, initial_likelihood=1, initial_rating=5)
    hazard.refresh_from_db()
    assert (hazard.initial_severity, hazard.initial_likelihood, hazard.initial_rating) == (4, 3, 3)
