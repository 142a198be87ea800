"""Lists downloaded as CSV or Excel: one place for the content types and the formula guard."""

from django.http import Http404, HttpResponse
from django.utils import timezone

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX_CONTENT_TYPE}


def formula_safe(row) -> list:
    """A cell starting with = + - @ would run as a formula when the file is opened in a spreadsheet."""
    return ["'" + value if isinstance(value, str) and value[:1] in "=+-@" else value for value in row]


def dataset_download(dataset, *, name: str, file_format: str) -> HttpResponse:
    """A tablib Dataset as an attachment named `<name>-<today>.<format>`; rows must be formula_safe already."""
    if file_format not in CONTENT_TYPES:
        raise Http404("This list downloads as .csv or .xlsx.")
    response = HttpResponse(dataset.export(file_format), content_type=CONTENT_TYPES[file_format])
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.{file_format}"'
    return response
