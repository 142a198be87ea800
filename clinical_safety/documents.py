"""The documents people download: the hazard log as a spreadsheet (CSV, XLSX) and the issued hazard
log and the clinical safety case report as PDF.

Everything here reads: the PDFs are drawn from the frozen snapshot of an issued hazard log version and
the frozen argument of a submitted report, so a downloaded document says what was signed.
"""

from datetime import date

import tablib
from django.utils import timezone

from core import pdf
from core.spreadsheets import formula_safe

from .models import HazardLogVersion, HealthITSystem, SafetyCaseReport, SafetyCaseStatus
from .risk import MATRIX, RATING_MEANINGS, RATING_NAMES, Likelihood, Severity
from .selectors import hazard_log_snapshot, safety_argument_from

PRINT_STYLESHEET = "css/clinical_safety_print.css"

# --- The hazard log as a table ------------------------------------------------------------------

HAZARD_LOG_COLUMNS = [
    "Reference", "Title", "Description", "Causes", "Effect", "Potential clinical impact", "Existing controls",
    "Initial severity", "Initial likelihood", "Initial rating", "Additional controls", "Residual severity",
    "Residual likelihood", "Residual rating", "Justification", "Status", "Owner", "Actions", "Review date",
]


def hazard_log_rows(snapshot: dict) -> list[list]:
    """One row per hazard in HAZARD_LOG_COLUMNS order, for both the CSV and the XLSX."""
    rows = []
    for h in snapshot["hazards"]:
        controls = "; ".join(
            f"{c['type_label']}: {c['description']} (verified: {c['verification'] or 'not yet'})" for c in h["controls"]
        )
        row = [
            h["reference"], h["title"], h["description"], h["causes"], h["effect"], h["clinical_impact"],
            h["existing_controls"], h["initial_severity_label"], h["initial_likelihood_label"], h["initial_rating"],
            controls, h["residual_severity_label"], h["residual_likelihood_label"], h["residual_rating"],
            h["residual_justification"], h["status_label"], h["owner"], h["actions"], h["review_date"] or "",
        ]
        rows.append(formula_safe(row))
    return rows


def hazard_log_dataset(system: HealthITSystem):
    """The live hazard log of a system as a tablib Dataset; `.export("csv")` or `.export("xlsx")`."""
    rows = hazard_log_rows(hazard_log_snapshot(system))
    # An XLSX sheet title is at most 31 characters and cannot hold some punctuation.
    title = "".join(ch for ch in f"Hazard log {system.name}" if ch not in "[]:*?/\\")[:31]
    return tablib.Dataset(*rows, headers=HAZARD_LOG_COLUMNS, title=title)


# --- PDFs ----------------------------------------------------------------------------------------

# Kept here so that clinical safety's views and tests name it as before; the rendering is core's.
PdfUnavailable = pdf.PdfUnavailable


def pdf_from_template(template_name: str, context: dict) -> bytes:
    """Render a Django template to an A4 PDF with the clinical safety print stylesheet."""
    return pdf.pdf_from_template(template_name, context, stylesheet=PRINT_STYLESHEET)


def _date(value: str | None) -> date | None:
    """A date held as ISO text in a frozen snapshot, back as a date for the template."""
    return date.fromisoformat(value) if value else None


def _hazards_for_print(snapshot: dict) -> list[dict]:
    hazards = []
    for hazard in snapshot["hazards"]:
        controls = [{**c, "verified_on": _date(c["verified_on"])} for c in hazard["controls"]]
        hazards.append({**hazard, "controls": controls, "review_date": _date(hazard["review_date"])})
    return hazards


def _risk_profile(hazards: list[dict]) -> list[dict]:
    """How many hazards carry each rating, before and after the additional controls."""
    return [
        {
            "rating": rating,
            "name": RATING_NAMES[rating],
            "meaning": RATING_MEANINGS[rating],
            "initial": sum(1 for h in hazards if h["initial_rating"] == rating),
            "residual": sum(1 for h in hazards if h["residual_rating"] == rating),
        }
        for rating in range(5, 0, -1)
    ]


def _matrix_rows() -> list[dict]:
    return [{"likelihood": likelihood, "ratings": MATRIX[likelihood]} for likelihood in reversed(Likelihood)]


def _common_context(version: HazardLogVersion) -> dict:
    hazards = _hazards_for_print(version.snapshot)
    return {
        "version": version,
        "system": version.snapshot["system"],
        "hazards": hazards,
        "risk_profile": _risk_profile(hazards),
        "matrix_rows": _matrix_rows(),
        "severities": list(Severity),
        "printed_at": timezone.localtime(),
    }


def hazard_log_version_pdf(version: HazardLogVersion) -> bytes:
    """An issued hazard log version as a PDF: the signed title page, the risk profile and every hazard."""
    return pdf_from_template("clinical_safety/documents/hazard_log_version.html", _common_context(version))


def safety_case_pdf(report: SafetyCaseReport) -> bytes:
    """A clinical safety case report as a PDF. A draft's argument is generated afresh from its hazard
    log version, as on its page; from submission on it is the signed, frozen argument."""
    version = report.hazard_log_version
    argument = report.safety_argument if not report.is_editable else safety_argument_from(version.snapshot)
    argument = [
        {**claim, "evidence": [{**e, "verified_on": _date(e["verified_on"])} for e in claim["evidence"]]}
        for claim in argument
    ]
    return pdf_from_template(
        "clinical_safety/documents/safety_case.html",
        {
            **_common_context(version),
            "report": report,
            "argument": argument,
            "approved": report.status == SafetyCaseStatus.APPROVED,
            "gap_count": sum(len(claim["gaps"]) for claim in argument),
        },
    )
