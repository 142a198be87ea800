"""Histories read in the product's words: labelled actions, field names and values, ratings by name."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from audit.labels import ACTION_LABELS, action_label, changes_in_words
from clinical_safety import services as clinical_safety
from clinical_safety.models import Hazard
from clinical_safety.tests.conftest import cso, epma, hazard, hazard_details  # noqa: F401 - pytest fixtures
from incidents.models import MedicationIncident

pytestmark = pytest.mark.django_db

RAW = re.compile(r"\b[a-z]+_[a-z_]+\b|\b[a-z_]+\.[a-z_]+\b")  # initial_severity, hazard.control_added


def _history_cell_text(html: str) -> str:
    """The history table's text, without its email addresses (cso@riverside.example is not a code)."""
    table = html.split('aria-labelledby="history-heading"', 1)[1]
    return re.sub(r"\S+@\S+", " ", re.sub(r"<[^>]+>", " ", table.split("</table>", 1)[0]))


def test_a_hazards_history_reads_in_words(client, hazard, cso):  # noqa: F811
    clinical_safety.hazard_update(
        actor=cso, hazard=hazard,
        details=hazard_details(initial_severity=3, residual_severity=3, residual_likelihood=2, review_date="2027-06-01"),
    )
    clinical_safety.hazard_control_add(
        actor=cso, hazard=hazard,
        details={"control_type": "training", "description": "Ward training", "verification": "", "verified_on": None},
    )
    client.force_login(cso)
    text = _history_cell_text(client.get(reverse("clinical_safety:hazard_detail", args=[hazard.pk])).content.decode())
    for words in ("Hazard added", "Hazard changed", "Control added", "Initial severity", "Major → Considerable",
                  "Residual likelihood", "Very low → Low", "Initial rating", "3 Undesirable",
                  "Review date", "1 Jun 2027", "Type of control", "Training"):
        assert words in text, words
    assert not RAW.findall(text), RAW.findall(text)


def test_a_rating_reads_as_its_number_and_name():
    [change] = changes_in_words(Hazard, {"residual_rating": [4, 3]})
    assert (change.field, change.before, change.after) == ("Residual rating", "4 Mandatory control", "3 Undesirable")


def test_an_incidents_history_reads_in_words(client, riverside_mso, riverside_staff):
    from incidents import services as incidents

    incident, _ = incidents.incident_report(**_report(riverside_staff))
    incidents.incident_transition(incident=incident, actor=riverside_mso, transition="start_review")
    incidents.incident_grade(incident=incident, actor=riverside_mso, physical_harm="moderate", psychological_harm="none",
                             ncc_merp_category="E", note="Seen by the ward team.")
    client.force_login(riverside_mso)
    html = client.get(reverse("incidents:incident_detail", args=[incident.reference])).content.decode()
    text = _history_cell_text(html)
    assert "Incident reported" in text and "Harm grade changed" in text
    assert "Physical harm" in text and "No physical harm → Moderate physical harm" in text
    assert not RAW.findall(text), RAW.findall(text)
    assert MedicationIncident.objects.get(pk=incident.pk).physical_harm == "moderate"


def _report(reporter):
    from datetime import timedelta

    from django.utils import timezone

    return dict(
        reporter=reporter, organisation=reporter.role_assignments.get().organisation, anonymous=False,
        occurred_at=timezone.now() - timedelta(hours=3), department="Ward 7", stage="administering",
        error_types=["omitted_delayed"], physical_harm="none", psychological_harm="none",
        description="Dose missed.", medicines=[{"name": "Levetiracetam", "route": "oral", "dose": "500 mg"}],
    )


def _action_codes_in_the_source() -> set[str]:
    """Every audit action the code writes: literal codes, and f-string ones filled with their states."""
    codes = set()
    for path in Path(settings.BASE_DIR).glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text()
        codes |= set(re.findall(r'action="([a-z_]+\.[a-z_]+)"', text))
        codes |= {f"{prefix}*" for prefix in re.findall(r'action=f"([a-z_]+\.[a-z_]*)\{', text)}
    return codes


def test_every_action_the_code_writes_has_a_label():
    codes = _action_codes_in_the_source()
    assert len(codes) > 30
    missing = [code for code in codes if not code.endswith("*") and code not in ACTION_LABELS]
    missing += [code for code in codes if code.endswith("*") and not any(k.startswith(code[:-1]) for k in ACTION_LABELS)]
    assert not missing, f"add these to audit/labels.py ACTION_LABELS: {sorted(missing)}"


def test_an_unknown_action_still_reads_as_words():
    assert action_label("handover.item_reopened") == "Handover: item reopened"
