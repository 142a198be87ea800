"""The edges of what a person can type: dates at the ends of the calendar in a list's filters, and
free text far longer than anyone writes. Each is answered with a message that says what is wrong,
never a server error, and nothing typed is lost."""

import importlib
from datetime import date
from pathlib import Path

import pytest
from django import forms
from django.urls import reverse

from core.forms import EARLIEST_DATE, LATEST_DATE, NARRATIVE_MAX, CalendarDateField
from incidents import services
from incidents.tests.conftest import report_values
from incidents.tests.test_report_form import form_data

pytestmark = pytest.mark.django_db

OUT_OF_RANGE = "Enter a date between 1 January 1900 and 31 December 2100."
# 9999-12-31 has no next day (a "to" date is the start of the day after it); 0001-01-01 has no day
# before it in some time zones; the others are just outside the range, or no date at all.
EDGE_DATES = ["9999-12-31", "0001-01-01", "9999-12-30", "1899-12-31", "2101-01-01"]


@pytest.fixture
def mso_client(client, riverside_mso, riverside_director, riverside_staff):
    services.incident_report(reporter=riverside_staff, organisation=riverside_staff.role_assignments.first().organisation,
                             **report_values())  # fmt: skip
    client.force_login(riverside_mso)
    return client


FILTERED_PAGES = [
    ("incidents:review_queue", "submitted_from"),
    ("incidents:review_queue", "submitted_to"),
    ("incidents:dashboard", "date_from"),
    ("incidents:dashboard", "date_to"),
]


@pytest.mark.parametrize("value", EDGE_DATES)
@pytest.mark.parametrize("name,parameter", FILTERED_PAGES)
def test_a_list_filter_given_a_date_at_the_edge_of_the_calendar_says_so(mso_client, name, parameter, value):
    response = mso_client.get(reverse(name), {parameter: value})
    assert response.status_code == 200
    assert OUT_OF_RANGE in response.text


@pytest.mark.parametrize("name,parameter", FILTERED_PAGES)
def test_the_first_and_last_days_of_the_range_are_accepted(mso_client, name, parameter):
    for value in (EARLIEST_DATE, LATEST_DATE):
        response = mso_client.get(reverse(name), {parameter: value.isoformat()})
        assert response.status_code == 200 and OUT_OF_RANGE not in response.text


def test_the_review_queue_still_lists_incidents_by_its_other_filters_when_a_date_is_wrong(mso_client):
    response = mso_client.get(reverse("incidents:review_queue"), {"submitted_to": "9999-12-31", "status": "submitted"})
    assert "1 incident shown" in response.text


def test_the_dashboard_keeps_to_its_usual_period_when_both_dates_are_wrong(mso_client):
    from incidents.selectors import dashboard_default_start

    response = mso_client.get(reverse("incidents:dashboard"), {"date_from": "0001-01-01", "date_to": "9999-12-31"})
    assert response.status_code == 200
    assert response.context["form"].cleaned_data["date_from"] == dashboard_default_start()
    assert response.text.count(OUT_OF_RANGE) == 2


DOWNLOADS = [
    ("incidents:review_queue_csv", [], "submitted_to", "incidents:review_queue"),
    ("incidents:review_queue_xlsx", [], "submitted_to", "incidents:review_queue"),
    ("incidents:dashboard_export", ["csv"], "date_to", "incidents:dashboard"),
    ("incidents:dashboard_export", ["xlsx"], "date_to", "incidents:dashboard"),
]


@pytest.mark.parametrize("name,args,parameter,page", DOWNLOADS)
def test_a_download_with_a_wrong_date_goes_back_to_the_filters_and_says_why(mso_client, name, args, parameter, page):
    response = mso_client.get(reverse(name, args=args), {parameter: "9999-12-31", "department": "Ward"})
    assert response.status_code == 302
    assert response["Location"] == reverse(page) + f"?{parameter}=9999-12-31&department=Ward"
    page = mso_client.get(response["Location"])
    assert "Nothing was downloaded: correct the filters below" in page.text and OUT_OF_RANGE in page.text


def test_a_date_field_says_what_a_real_date_looks_like():
    field = CalendarDateField()
    with pytest.raises(forms.ValidationError) as refused:
        field.clean("2026-02-30")
    assert refused.value.messages == ["Enter a real date, for example 17 3 2026."]
    assert field.clean("2026-03-17") == date(2026, 3, 17)
    assert field.widget.attrs["min"] == "1900-01-01" and field.widget.attrs["max"] == "2100-12-31"


def test_a_200000_character_description_is_refused_with_its_length_and_kept_for_shortening(client, riverside_staff):
    from incidents.models import MedicationIncident

    client.force_login(riverside_staff)
    description = "The insulin dose was misread." * 6897  # 200,013 characters
    response = client.post(reverse("incidents:incident_report"), form_data(description=description))
    assert response.status_code == 200
    assert "This is 200,013 characters long; shorten it to 10,000 or fewer." in response.text
    assert description in response.text  # nothing typed is lost: it comes back to be shortened
    assert 'maxlength="10000"' not in response.text  # a browser would cut a pasted text silently
    assert not MedicationIncident.objects.exists()


def test_a_description_of_exactly_the_limit_is_accepted(client, riverside_staff):
    client.force_login(riverside_staff)
    response = client.post(reverse("incidents:incident_report"), form_data(description="x" * NARRATIVE_MAX))
    assert response.status_code == 302


def _form_modules():
    """Every forms and filters module of our apps (a package's modules too), found rather than listed,
    so that a new app's forms are held to the same limits."""
    from django.apps import apps
    from django.conf import settings

    root = Path(settings.BASE_DIR).resolve()
    for app in apps.get_app_configs():
        base = Path(app.path)
        if "site-packages" in base.parts or not base.resolve().is_relative_to(root):
            continue  # Django's and allauth's own
        for path in sorted(base.rglob("*.py")):
            inside = path.relative_to(base)
            if (path.stem.endswith(("forms", "filters")) or path.parent.name == "forms") and "tests" not in inside.parts:
                if path.stem != "__init__":
                    yield ".".join([app.name, *inside.with_suffix("").parts])


def _declared_forms():
    for module_name in _form_modules():
        module = importlib.import_module(module_name)
        for value in vars(module).values():
            if isinstance(value, type) and value.__module__ == module_name:
                if issubclass(value, forms.BaseForm):
                    yield value.__name__, value.base_fields
                elif hasattr(value, "base_filters"):
                    yield value.__name__, {name: f.field for name, f in value.base_filters.items()}


def test_every_text_field_of_every_form_has_a_maximum_length():
    unbounded = [
        f"{form}.{name}"
        for form, fields in _declared_forms()
        for name, field in fields.items()
        if isinstance(field, forms.CharField) and field.max_length is None
    ]
    assert not unbounded, f"Give these text fields a max_length (core.forms.LimitedCharField): {unbounded}"


def test_every_date_a_form_or_filter_takes_has_bounds():
    """A new date field without bounds would take 31 December 9999 and fail the first time a day is added."""
    found, unbounded = 0, []
    for form, fields in _declared_forms():
        for name, field in fields.items():
            if isinstance(field, forms.DateField):
                found += 1
                if not isinstance(field, CalendarDateField):
                    unbounded.append(f"{form}.{name}")
    assert found >= 10
    assert not unbounded, f"Use core.forms.CalendarDateField for: {unbounded}"


@pytest.mark.parametrize("book", [False, True])
def test_a_control_character_typed_into_a_field_does_not_break_an_excel_download(book):
    """A form takes \x01 or ESC (only NUL is refused); XML, and so XLSX, cannot hold them."""
    import io

    import tablib
    from openpyxl import load_workbook

    from core.spreadsheets import dataset_download

    sheet = tablib.Dataset(["Ward\x01 7", "\x1b[31mred", 3], headers=["Where", "Note", "Count"], title="Sheet\x02")
    response = dataset_download(tablib.Databook([sheet]) if book else sheet, name="list", file_format="xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(min_row=2, values_only=True))
    assert rows == [("Ward\ufffd 7", "\ufffd[31mred", 3)]
