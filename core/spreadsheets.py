"""Lists downloaded as CSV or Excel: one place for the content types, how a value reads in a cell,
and the formula guard."""

from datetime import date, datetime

import tablib
from django.http import Http404, HttpResponse
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from django.utils import timezone

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX_CONTENT_TYPE}
FORMULA_STARTS = ("=", "+", "-", "@")


def formula_safe(row) -> list:
    """A cell starting with = + - @ would run as a formula when the file is opened in a spreadsheet.
    Only such a cell gets the quote: an empty one stays empty."""
    return ["'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value for value in row]


def spreadsheet_value(value, *, xlsx: bool = False):
    """A value as a person reads it in a cell: Yes/No, local date and time to the minute, blank for
    nothing. Excel keeps real dates (it sorts and filters them) but no time zone; CSV gets text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        local = local.replace(second=0, microsecond=0, tzinfo=None)
        return local if xlsx else local.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value if xlsx else value.isoformat()
    if xlsx and isinstance(value, str):
        return xml_safe(value)
    return value


def xml_safe(value):
    """An XLSX file is XML, which cannot hold most control characters (a form accepts them): openpyxl
    refuses the whole file. Each is shown as the replacement character instead."""
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value) if isinstance(value, str) else value


def _xml_safe_dataset(dataset):
    return tablib.Dataset(
        *([xml_safe(v) for v in row] for row in dataset), headers=dataset.headers, title=xml_safe(dataset.title)
    )


def spreadsheet_row(values, *, xlsx: bool = False) -> list:
    """A row ready for the file: each value readable, then the formula guard."""
    return formula_safe([spreadsheet_value(v, xlsx=xlsx) for v in values])


def dataset_download(dataset, *, name: str, file_format: str) -> HttpResponse:
    """A tablib Dataset (or Databook, for xlsx) as an attachment named `<name>-<today>.<format>`;
    rows must be formula_safe already."""
    if file_format not in CONTENT_TYPES:
        raise Http404("This list downloads as .csv or .xlsx.")
    if file_format == "xlsx":
        if hasattr(dataset, "sheets"):  # a Databook
            dataset = tablib.Databook([_xml_safe_dataset(sheet) for sheet in dataset.sheets()])
        else:
            dataset = _xml_safe_dataset(dataset)
    response = HttpResponse(dataset.export(file_format), content_type=CONTENT_TYPES[file_format])
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.{file_format}"'
    return response
