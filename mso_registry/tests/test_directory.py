import csv
import io
from datetime import date, timedelta

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from mso_registry.models import Organisation, OrganisationType, Region, Role
from mso_registry.services import organisations_import
from mso_registry.services.reminders import (
    handover_overdue_item_reminders,
    record_confirmation_reminders,
    vacancy_alerts,
)
from mso_registry.tasks import send_registry_reminders
from notifications.models import Notification
from tests.factories import OrganisationFactory, RoleAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db
DIRECTORY = reverse("mso_registry:organisation_list")


@pytest.fixture
def national(riverside_mso, riverside_director, hillside, registry_admin):
    """Riverside has an MSO and director; Hillside is vacant; a London ICB is stale and vacant."""
    OrganisationFactory(name="North London ICB", ods_code="Q1L", organisation_type=OrganisationType.ICB,
                        region=Region.LONDON, record_confirmed_on=date(2020, 1, 1))
    Organisation.objects.filter(ods_code="R9R").update(record_confirmed_on=timezone.localdate())
    return registry_admin


def _codes(response):
    return [organisation.ods_code for organisation, _ in response.context["rows"]]


def test_directory_counts_and_vacancies_in_two_clicks(client, national):
    client.force_login(national)
    response = client.get(DIRECTORY)
    assert response.context["summary"] == {"organisations": 3, "with_mso": 1, "vacant": 2, "stale": 2}
    vacant = client.get(DIRECTORY, {"vacant": "on"})
    assert sorted(_codes(vacant)) == ["Q1L", "R9H"]


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"q": "riverside"}, ["R9R"]),
        ({"q": "q1l"}, ["Q1L"]),
        ({"region": "london"}, ["Q1L"]),
        ({"organisation_type": "icb"}, ["Q1L"]),
        ({"no_board_director": "on"}, ["R9H", "Q1L"]),
        ({"stale": "on"}, ["R9H", "Q1L"]),
    ],
)
def test_directory_filters(client, national, params, expected):
    client.force_login(national)
    assert sorted(_codes(client.get(DIRECTORY, params))) == sorted(expected)


def test_directory_filter_by_icb(client, national, riverside):
    icb = Organisation.objects.get(ods_code="Q1L")
    Organisation.objects.filter(pk=riverside.pk).update(icb=icb)
    client.force_login(national)
    assert _codes(client.get(DIRECTORY, {"icb": icb.pk})) == ["R9R"]


def test_bad_filter_values_are_ignored_with_a_message_not_an_error(client, national):
    client.force_login(national)
    response = client.get(DIRECTORY, {"region": "atlantis", "icb": "not-a-number", "page": "999"})
    assert response.status_code == 200


def test_directory_queries_do_not_grow_with_rows(client, national, django_assert_max_num_queries):
    client.force_login(national)
    client.get(DIRECTORY)  # warm the session
    with django_assert_max_num_queries(14) as small:
        client.get(DIRECTORY)
    for n in range(30):
        org = OrganisationFactory()
        RoleAssignmentFactory(organisation=org, role=Role.MSO)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(DIRECTORY)


def test_export_csv_of_the_filtered_list(client, national, riverside_mso):
    client.force_login(national)
    response = client.get(reverse("mso_registry:directory_export", args=["csv"]), {"vacant": "on"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:2] == ["ODS code", "Organisation"]
    assert sorted(r[0] for r in rows[1:]) == ["Q1L", "R9H"]
    assert all(r[5] == "VACANT" for r in rows[1:])


def test_export_xlsx(client, national, riverside_mso):
    client.force_login(national)
    response = client.get(reverse("mso_registry:directory_export", args=["xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    riverside_row = next(r for r in values if r[0] == "R9R")
    assert riverside_row[5] == riverside_mso.full_name
    assert values[0][-3:] == ["National list: MSO", "National list: mailbox", "National list: board director"]
    assert riverside_row[-2] == "r9r.mso@nhs.example"


def test_directory_and_export_are_for_the_registry_only(client, riverside_mso, riverside_director):
    for person in (riverside_mso, riverside_director):
        client.force_login(person)
        assert client.get(reverse("mso_registry:directory_export", args=["csv"])).status_code == 403
        assert client.get(reverse("mso_registry:organisation_import")).status_code == 403
        assert client.get(reverse("mso_registry:change_request_list")).status_code == 403
        assert "Hillside" not in client.get(DIRECTORY).text


IMPORT_CSV = (
    "ods_code,name,organisation_type,region,icb_ods_code,generic_mso_email\n"
    "QX1,Example ICB,ICB,London,,\n"
    "rx7,Example Hospitals NHS Trust,NHS trust,london,QX1,rx7.mso@nhs.example\n"
    "R9R,Duplicate of Riverside,nhs_trust,midlands,,\n"
    "A8100,Bad Surgery,GP practice,London,,\n"
    "RX8,No Region Trust,nhs_trust,Atlantis,,\n"
    "RX7,Twice in the file,nhs_trust,london,,\n"
    "RX9,Bad mailbox Trust,nhs_trust,london,QZZ,not-an-email\n"
)


def test_import_reports_each_row(registry_admin, riverside):
    report = organisations_import(actor=registry_admin, data=IMPORT_CSV.encode())
    by_line = {row.line: row for row in report}
    assert [row.line for row in report if row.accepted] == [2, 3]
    assert "already in the registry" in by_line[4].reasons[0]
    assert any("a letter and 5 digits" in r for r in by_line[5].reasons)
    assert any("Region “Atlantis”" in r for r in by_line[6].reasons)
    assert "appears earlier in this file" in by_line[7].reasons[0]
    assert any("No ICB with ODS code QZZ" in r for r in by_line[8].reasons)
    assert any("valid email" in r for r in by_line[8].reasons)
    trust = Organisation.objects.get(ods_code="RX7")
    assert trust.icb.ods_code == "QX1" and trust.listed_mailbox == "rx7.mso@nhs.example"
    assert AuditEvent.objects.filter(action="organisation.imported").count() == 2


def test_import_is_all_or_nothing_when_saving_fails(registry_admin, monkeypatch):
    from mso_registry.services import directory

    calls = {"n": 0}
    real = directory.audit_record

    def fail_on_second(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("database went away")
        return real(**kwargs)

    monkeypatch.setattr(directory, "audit_record", fail_on_second)
    with pytest.raises(RuntimeError):
        organisations_import(actor=registry_admin, data=IMPORT_CSV.encode())
    assert not Organisation.objects.filter(ods_code__in=["QX1", "RX7"]).exists()


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "The submitted file is empty."),
        (b"\xff\xfe\x00bad", "not UTF-8"),
        (b"ods_code,name\n", "missing: organisation_type, region"),
        (b"ods_code,name,organisation_type,region\n", "no rows"),
    ],
)
def test_import_refuses_unreadable_files_with_a_message(client, registry_admin, data, message):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(registry_admin)
    response = client.post(reverse("mso_registry:organisation_import"), {"file": SimpleUploadedFile("x.csv", data)})
    assert response.status_code == 200
    assert message in response.text


def test_import_page_shows_the_report(client, registry_admin, riverside):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(registry_admin)
    response = client.post(reverse("mso_registry:organisation_import"), {"file": SimpleUploadedFile("o.csv", IMPORT_CSV.encode())})
    assert "2 organisations imported, 5 refused." in response.text
    assert "R9R is already in the registry." in response.text


# --- reminders ----------------------------------------------------------------------------------


def test_vacancy_alert_goes_once_per_vacancy(registry_admin, riverside_mso, riverside_director, riverside, settings):
    from mso_registry.services import role_end

    assert not Notification.objects.filter(template="mso_registry/email/vacancy_alert", context__organisation=riverside.name).exists()
    role_end(actor=registry_admin, assignment=riverside_mso.role_assignments.get())
    vacancy_alerts()
    vacancy_alerts()
    alerts = Notification.objects.filter(template="mso_registry/email/vacancy_alert", context__organisation=riverside.name)
    assert sorted(alerts.values_list("recipient", flat=True)) == sorted([settings.NATIONAL_REGISTRY_EMAIL, riverside_director.email])


def test_a_new_vacancy_is_told_again(registry_admin, riverside):
    from mso_registry.services import role_assign, role_end

    Organisation.objects.filter(pk=riverside.pk).update(created_at=timezone.now() - timedelta(days=60))
    vacancy_alerts()
    first = Notification.objects.filter(template="mso_registry/email/vacancy_alert").count()
    mso = UserFactory()
    assignment = role_assign(actor=registry_admin, user=mso, role=Role.MSO, organisation=riverside,
                             start_date=timezone.localdate() - timedelta(days=10))
    role_end(actor=registry_admin, assignment=assignment)
    vacancy_alerts()
    assert Notification.objects.filter(template="mso_registry/email/vacancy_alert").count() == first + 1


def test_overdue_items_are_reminded_once(riverside_mso, riverside_director, riverside):
    from mso_registry.models import HandoverItem
    from mso_registry.services import handover_start

    today = timezone.localdate()
    handover = handover_start(actor=riverside_mso, organisation=riverside, successor=UserFactory(),
                              leaving_date=today, successor_start_date=today)
    assert handover_overdue_item_reminders() == 0
    HandoverItem.objects.filter(handover=handover, code="mailbox").update(due_date=today - timedelta(days=1))
    handover_overdue_item_reminders()
    handover_overdue_item_reminders()
    reminders = Notification.objects.filter(template="mso_registry/email/handover_item_overdue")
    assert list(reminders.values_list("recipient", flat=True)) == [riverside_mso.email]


def test_yearly_confirmation_reminder_once_and_not_when_confirmed(riverside_mso, riverside, hillside):
    Organisation.objects.filter(pk=hillside.pk).update(record_confirmed_on=timezone.localdate())
    record_confirmation_reminders()
    record_confirmation_reminders()
    reminders = Notification.objects.filter(template="mso_registry/email/confirm_record")
    assert list(reminders.values_list("recipient", flat=True)) == [riverside_mso.email]


def test_the_beat_task_runs_all_three(riverside_mso, riverside):
    result = send_registry_reminders()
    assert set(result) == {"overdue_items", "vacancies", "confirmations"}
    assert result["confirmations"] == 1


def test_export_leaves_empty_cells_empty(client, national):
    """Issue 15, point 8: the formula guard put a lone ' in every empty cell (no ICB, no director)."""
    client.force_login(national)
    rows = list(csv.reader(io.StringIO(client.get(reverse("mso_registry:directory_export", args=["csv"])).content.decode())))
    hillside_row = dict(zip(rows[0], next(r for r in rows if r[0] == "R9H")))
    assert hillside_row["ICB"] == "" and hillside_row["MSO email"] == ""
    assert not any(cell == "'" for row in rows for cell in row)


def test_each_lapsed_confirmation_is_reminded_once_whatever_the_year(riverside_mso, riverside):
    """The key is the confirmation that lapsed, not the calendar: a record confirmed again and lapsed
    again is asked again, even within one calendar year; a repeat run asks nothing."""
    from datetime import timedelta

    today = timezone.localdate()
    reminders = Notification.objects.filter(template="mso_registry/email/confirm_record")
    Organisation.objects.filter(pk=riverside.pk).update(record_confirmed_on=today - timedelta(days=400))
    record_confirmation_reminders()
    record_confirmation_reminders()
    assert reminders.count() == 1
    Organisation.objects.filter(pk=riverside.pk).update(record_confirmed_on=today - timedelta(days=366))
    record_confirmation_reminders()
    assert reminders.count() == 2
