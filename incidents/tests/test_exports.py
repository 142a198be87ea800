"""Downloads read as the pages do (issue 15, point 8): labels not codes, Yes/No, dates to the minute,
empty cells empty, the formula guard only where a value starts with = + - @; the board director
downloads the dashboard's tables for their own organisation only."""

import csv
import io
import re
from datetime import datetime

import openpyxl
from django.urls import reverse, reverse_lazy

from core.spreadsheets import formula_safe, spreadsheet_value


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode())))


def test_formula_guard_only_where_a_value_starts_a_formula():
    assert formula_safe(["", "=SUM(A1)", "+1", "-2", "@x", "a-b", "Ward 7", None, 3]) == [
        "", "'=SUM(A1)", "'+1", "'-2", "'@x", "a-b", "Ward 7", None, 3]


def test_values_read_as_a_person_reads_them(settings):
    settings.TIME_ZONE = "Europe/London"
    from django.utils import timezone

    moment = timezone.make_aware(datetime(2026, 7, 1, 9, 30, 15, 123456))
    assert spreadsheet_value(True) == "Yes" and spreadsheet_value(False) == "No"
    assert spreadsheet_value(None) == ""
    assert spreadsheet_value(moment) == "2026-07-01 09:30"
    assert spreadsheet_value(moment, xlsx=True) == datetime(2026, 7, 1, 9, 30)


def test_the_queue_csv_has_labels_yes_no_minutes_and_empty_cells(client, make_incident, riverside_mso):
    make_incident(stage="supply_storage", physical_harm="moderate", medicines=[{"name": "Insulin aspart"}])
    client.force_login(riverside_mso)

    header, row = _csv(client.get(reverse("incidents:review_queue_csv")))
    cells = dict(zip(header, row))

    assert cells["Stage"] == "Supply or storage"
    assert cells["Physical harm"] == "Moderate physical harm"
    assert cells["Psychological harm"] == "No psychological harm"
    assert cells["Status"] == "Submitted"
    assert cells["High-alert"] == "Yes" and cells["Red flag"] == "Yes"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", cells["Reported"]), cells["Reported"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", cells["Happened"]), cells["Happened"]
    assert cells["NCC MERP"] == "" and cells["Never Event"] == ""


def test_the_queue_xlsx_has_labels_and_whole_minutes(client, make_incident, riverside_mso):
    make_incident(stage="supply_storage", never_event="potassium")
    client.force_login(riverside_mso)

    response = client.get(reverse("incidents:review_queue_xlsx"))

    rows = [[c.value for c in row] for row in openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows()]
    cells = dict(zip(rows[0], rows[1]))
    assert cells["Stage"] == "Supply or storage"
    assert cells["Never Event"] == "Mis-selection of strong potassium solution"
    assert cells["High-alert"] == "No"
    assert isinstance(cells["Reported"], datetime) and cells["Reported"].microsecond == 0 and cells["Reported"].second == 0
    assert cells["NCC MERP"] in (None, "")


DASHBOARD_CSV = reverse_lazy("incidents:dashboard_export", args=["csv"])


def test_the_director_downloads_the_dashboard_tables(client, make_incident, riverside_director):
    make_incident(stage="supply_storage", physical_harm="severe", error_types=["overdose"])
    make_incident(stage="administering")
    client.force_login(riverside_director)

    rows = _csv(client.get(DASHBOARD_CSV))

    assert rows[0] == ["Table", "Row", "Value"]
    assert ["About", "Organisation", "Riverside University Hospitals NHS Foundation Trust (R9R)"] in rows
    assert ["Figures", "Reports", "2"] in rows
    assert ["Stage", "Supply or storage", "1"] in rows
    assert ["What went wrong (top 10)", "Wrong dose: overdose", "1"] in rows
    assert ["Physical harm (as graded)", "Severe physical harm", "1"] in rows
    assert not any(cell == "'" for row in rows for cell in row)


def test_the_dashboard_xlsx_has_a_sheet_per_table(client, make_incident, riverside_director):
    make_incident(stage="supply_storage")
    client.force_login(riverside_director)

    response = client.get(reverse("incidents:dashboard_export", args=["xlsx"]), {"department": "Ward 7"})

    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[:3] == ["About", "Figures", "Reports per month"]
    stage = [[c.value for c in row] for row in book["Stage"].iter_rows()]
    assert stage == [["Stage", "Incidents"], ["Supply or storage", 1]]
    about = {row[0].value: row[1].value for row in book["About"].iter_rows()}
    assert about["Department"] == "Ward 7"


def test_the_dashboard_download_is_for_their_own_organisation_only(
    client, make_incident, riverside_director, riverside_staff, hillside, hillside_mso
):
    make_incident(organisation=hillside, reporter=hillside_mso, department="Hillside ward")
    client.force_login(riverside_director)
    assert client.get(DASHBOARD_CSV, {"organisation": "R9H"}).status_code == 404
    assert client.get(reverse("incidents:dashboard_export", args=["pdf"])).status_code == 404

    client.force_login(riverside_staff)
    assert client.get(DASHBOARD_CSV).status_code == 403

    client.force_login(hillside_mso)
    rows = _csv(client.get(DASHBOARD_CSV))
    assert ["About", "Organisation", "Hillside Community and Mental Health NHS Trust (R9H)"] in rows
    assert client.get(DASHBOARD_CSV, {"organisation": "R9R"}).status_code == 404


def test_the_dashboard_links_to_its_downloads_with_the_filters(client, riverside_director):
    client.force_login(riverside_director)

    page = client.get(reverse("incidents:dashboard"), {"department": "ICU"}).content.decode()

    assert f'href="{DASHBOARD_CSV}?department=ICU"' in page
