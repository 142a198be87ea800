"""The monthly report as a PDF: drawn from the frozen content of an issued report (or the live
figures of a draft, marked as a draft), so that a downloaded copy says what was issued."""

from django.utils import timezone

from core import pdf

from .charts import report_charts
from .models import BoardReport
from .selectors import report_content

PRINT_STYLESHEET = "css/board_report_print.css"
PdfUnavailable = pdf.PdfUnavailable


def board_report_pdf(report: BoardReport) -> bytes:
    content = report_content(report)
    return pdf.pdf_from_template(
        "board_reports/documents/board_report.html",
        {"report": report, "content": content, "charts": report_charts(content), "printed_at": timezone.localtime()},
        stylesheet=PRINT_STYLESHEET,
    )
