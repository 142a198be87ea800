"""Downloads of incident lists: the review queue (CSV streamed, XLSX written row by row) and the
dashboard's tables. Cells read as the pages do: labels, not codes; Yes/No; local times to the minute."""

import csv
import io
import itertools

import tablib
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from openpyxl import Workbook

from core.spreadsheets import XLSX_CONTENT_TYPE, dataset_download, spreadsheet_row

from . import charts, permissions, selectors
from .filters import ReviewQueueFilter
from .models import MedicationIncident
from .views import dashboard_for_request

QUEUE_EXPORT_COLUMNS = [
    ("reference", "Reference"), ("organisation__name", "Organisation"), ("submitted_at", "Reported"),
    ("occurred_at", "Happened"), ("department", "Department"), ("stage", "Stage"), ("physical_harm", "Physical harm"),
    ("psychological_harm", "Psychological harm"), ("ncc_merp_category", "NCC MERP"), ("never_event", "Never Event"),
    ("high_alert", "High-alert"), ("red_flag", "Red flag"), ("status", "Status"),
]
XLSX_MAX_ROWS = 200_000  # a spreadsheet past this is better as CSV


class _Echo:
    def write(self, value):
        return value


def _choice_labels() -> dict[str, dict]:
    """{column: {code: label}} for the exported columns that hold a code, so that the file says
    "Supply or storage", not "supply_storage"."""
    fields = (MedicationIncident._meta.get_field(name) for name, _ in QUEUE_EXPORT_COLUMNS if "__" not in name)
    return {field.name: dict(field.flatchoices) for field in fields if field.choices}


def _export_rows(request, *, xlsx: bool = False):
    if not permissions.review_organisation_ids(request.user):
        raise PermissionDenied("Only the MSO team exports incidents.")
    queue = ReviewQueueFilter(request.GET or None, queryset=selectors.review_queue(request.user))
    if queue.is_bound and not queue.form.is_valid():
        return None, None  # a download of what the page would refuse to filter by
    names = [name for name, _ in QUEUE_EXPORT_COLUMNS]
    labels = _choice_labels()
    rows = queue.qs.values_list(*names).iterator(chunk_size=2000)

    def readable(row) -> list:
        return spreadsheet_row(
            [labels[name].get(value, value) if name in labels else value for name, value in zip(names, row)], xlsx=xlsx
        )

    return [label for _, label in QUEUE_EXPORT_COLUMNS], (readable(row) for row in rows)


def _back_to_the_filters(request, page: str):
    messages.error(request, "Nothing was downloaded: correct the filters below, then download again.")
    return redirect(f"{reverse(page)}?{request.GET.urlencode()}")


@login_required
def review_queue_csv(request):
    """The filtered queue as CSV, streamed so that a year of incidents does not sit in memory."""
    header, rows = _export_rows(request)
    if header is None:
        return _back_to_the_filters(request, "incidents:review_queue")
    writer = csv.writer(_Echo())
    lines = (writer.writerow(line) for line in itertools.chain([header], rows))
    response = StreamingHttpResponse(lines, content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="medication-incidents.csv"'
    return response


@login_required
def review_queue_xlsx(request):
    """The filtered queue as an Excel workbook, written row by row (openpyxl's write-only mode)."""
    header, rows = _export_rows(request, xlsx=True)
    if header is None:
        return _back_to_the_filters(request, "incidents:review_queue")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Medication incidents")
    sheet.append(header)
    for count, row in enumerate(rows):
        if count >= XLSX_MAX_ROWS:
            sheet.append([f"Only the first {XLSX_MAX_ROWS:,} rows fit here: narrow the filters or download CSV."])
            break
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="medication-incidents.xlsx"'
    return response


# --- the dashboard's tables -----------------------------------------------------------------------


def dashboard_tables(*, organisation, form, figures) -> list[tuple[str, list[str], list[list]]]:
    """(sheet name, header, rows) for each table the dashboard shows, the period it covers first."""
    filters = form.cleaned_data if form.is_valid() else {}
    totals, actions = figures["totals"], figures["actions"]
    about = [
        ["Organisation", f"{organisation.name} ({organisation.ods_code})"],
        ["Reported from", filters.get("date_from") or "the first report"],
        ["Reported to", filters.get("date_to") or "today"],
        ["Department", filters.get("department") or "all"],
    ]
    summary = [
        ["Reports", totals["total"]],
        ["No or low harm", totals["no_or_low_harm"]],
        ["Involved a high-alert medicine", totals["high_alert"]],
        ["Never Events", totals["never_events"]],
        ["Still open", totals["open"]],
        ["Open actions", actions["open"]],
        ["Overdue actions", actions["overdue"]],
        ["Average days from report to start of review", figures["mean_days_to_review"]],
    ]
    tables = [("About", ["Item", "Value"], about), ("Figures", ["Figure", "Value"], summary)]
    for chart in charts.dashboard_charts(figures):
        tables.append((chart["title"], [chart["title"], chart["value_label"]], [[r["label"], r["value"]] for r in chart["rows"]]))
    return tables


def _sheet_title(title: str) -> str:
    """An XLSX sheet name is at most 31 characters and cannot hold some punctuation."""
    return "".join(ch for ch in title if ch not in "[]:*?/\\")[:31]


@login_required
def dashboard_export(request, file_format):
    """The dashboard's tables for one of the reader's organisations, as on the page: CSV as one
    table (table, row, value), XLSX with a sheet per table. Another organisation's is not found."""
    if file_format not in ("csv", "xlsx"):
        raise Http404("The dashboard downloads as .csv or .xlsx.")
    form, organisation, figures = dashboard_for_request(request, foreign_is_404=True)
    if form.errors:
        return _back_to_the_filters(request, "incidents:dashboard")
    tables = dashboard_tables(organisation=organisation, form=form, figures=figures)
    xlsx = file_format == "xlsx"
    if xlsx:
        book = tablib.Databook()
        for title, header, rows in tables:
            book.add_sheet(tablib.Dataset(*(spreadsheet_row(r, xlsx=True) for r in rows), headers=header,
                                          title=_sheet_title(title)))
        export = book
    else:
        export = tablib.Dataset(
            *(spreadsheet_row([title, *row]) for title, _, rows in tables for row in rows),
            headers=["Table", "Row", "Value"], title="Dashboard",
        )
    return dataset_download(export, name=f"dashboard-{organisation.ods_code.lower()}", file_format=file_format)
