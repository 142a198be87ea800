"""The monthly report's journey through its services: prepared, issued, acknowledged, reminded."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from board_reports import services
from board_reports.models import BoardReport, BoardReportStatus
from board_reports.selectors import board_report_content, content_hash
from core.domain import DomainError, NotAllowed
from incidents.services import incident_grade
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def outbox(step=""):
    """The outbox rows (the emails to send), optionally of one step: prepared, issued, acknowledged, reminder."""
    rows = Notification.objects.order_by("pk")
    return [n for n in rows if f":{step}:" in n.idempotency_key] if step else list(rows)


def recipients(step=""):
    return sorted(n.recipient for n in outbox(step))


def test_drafts_are_prepared_on_the_first_working_day_only(riverside_mso, hillside):
    # 1 January 2027 is a bank holiday (Friday); the first working day is Monday 4 January.
    assert services.first_working_day(date(2027, 1, 1)) == date(2027, 1, 4)
    assert services.board_reports_prepare_month(today=date(2027, 1, 1)) == 0
    assert services.board_reports_prepare_month(today=date(2027, 1, 4)) == 1
    assert services.board_reports_prepare_month(today=date(2027, 1, 5)) == 0  # made already
    report = BoardReport.objects.get()
    # Hillside has no MSO: no draft for it.
    assert (report.organisation, report.month, report.status) == (riverside_mso.role_assignments.get().organisation,
                                                                   date(2026, 12, 1), BoardReportStatus.DRAFT)


def test_a_day_the_beat_missed_is_made_up_the_next_day(riverside_mso):
    assert services.board_reports_prepare_month(today=date(2027, 1, 6)) == 1
    assert BoardReport.objects.get().month == date(2026, 12, 1)


def test_the_mso_team_is_emailed_once_however_often_beat_runs(riverside_mso, riverside, django_capture_on_commit_callbacks):
    riverside.generic_mso_email = "medicines.safety@riverside.example"
    riverside.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.board_reports_prepare_month(today=date(2027, 1, 4))
    with django_capture_on_commit_callbacks(execute=True):
        services.board_reports_prepare_month(today=date(2027, 1, 4))
    assert BoardReport.objects.count() == 1
    # Delivered (locmem mail), once each.
    assert sorted(m.to[0] for m in mail.outbox) == ["medicines.safety@riverside.example", "mso@riverside.example"]
    assert "December 2026" in mail.outbox[0].subject
    assert f"/board-reports/{BoardReport.objects.get().pk}/" in mail.outbox[0].body
    assert "No board director for medication safety is named" in mail.outbox[0].body  # Riverside has none here
    assert all(n.idempotency_key.startswith(f"board-report:{BoardReport.objects.get().pk}:prepared:") for n in outbox())


def test_the_prepared_email_does_not_warn_when_a_director_is_named(riverside_mso, riverside_director, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.board_reports_prepare_month(today=date(2027, 1, 4))
    assert mail.outbox and all("No board director" not in m.body for m in mail.outbox)


def test_content_counts_each_month_and_compares_with_the_previous_twelve(riverside, incident_in):
    for day in (date(2026, 11, 3), date(2026, 11, 20)):
        incident_in(day, physical_harm="low", stage="prescribing")
    incident_in(date(2026, 5, 10), stage="prescribing")
    incident_in(date(2026, 12, 1))  # after the month: not counted
    content = board_report_content(riverside, date(2026, 11, 1), today=date(2026, 12, 1))
    series = content["series"]
    assert len(series["reports"]) == 24 and series["labels"][-1] == "Nov 2026"
    assert series["reports"][-1] == 2 and series["harm"][-1] == 2
    assert series["reports"][-7] == 1  # May 2026
    stage = content["top_stages"][0]
    assert (stage["label"], stage["now"], stage["average"]) == ("Prescribing", 2, round(1 / 12, 1))
    assert stage["change"] == round(100 * (2 - 1 / 12) / (1 / 12))


def test_top_lists_agree_with_the_incidents_themselves(riverside, incident_in):
    """The report reads the monthly summary; the same figures counted from the incidents' own rows."""
    reported = [
        (date(2026, 11, 2), "prescribing", ["overdose"], [("Warfarin", True), ("Paracetamol", False)]),
        (date(2026, 11, 9), "prescribing", ["overdose", "omitted_delayed"], [("Warfarin", True)]),
        (date(2026, 11, 28), "dispensing", ["wrong_medicine"], [("Insulin aspart", True)]),
        (date(2026, 3, 4), "dispensing", ["wrong_medicine"], [("Insulin aspart", True), ("Warfarin", True)]),
        (date(2025, 10, 30), "prescribing", ["overdose"], [("Warfarin", True)]),  # 13 months before: not counted
    ]
    for day, stage, errors, medicines in reported:
        incident_in(day, stage=stage, error_types=errors,
                    medicines=[{"name": n, "route": "oral", "dose": "1", "high_alert": h} for n, h in medicines])
    content = board_report_content(riverside, date(2026, 11, 1), today=date(2026, 12, 1))

    def row(rows, label):
        return next((r["now"], r["average"]) for r in rows if r["label"] == label)

    assert [r["label"] for r in content["top_medicines"]] == ["Warfarin", "Insulin aspart", "Paracetamol"]
    assert row(content["top_medicines"], "Warfarin") == (2, round(1 / 12, 1))
    assert row(content["high_alert_medicines"], "Insulin aspart") == (1, round(1 / 12, 1))
    assert "Paracetamol" not in [r["label"] for r in content["high_alert_medicines"]]
    assert [r["label"] for r in content["top_stages"]] == ["Prescribing", "Dispensing"]
    assert row(content["top_errors"], "Wrong dose: overdose") == (2, 0)
    assert content["series"]["high_alert"][-1] == 3 and content["series"]["reports"][-9] == 1  # March 2026


def test_a_regrade_moves_the_harm_series_at_once(riverside, riverside_mso, incident_in):
    incident = incident_in(date(2026, 11, 3))
    assert board_report_content(riverside, date(2026, 11, 1))["series"]["harm"][-1] == 0
    incident_grade(incident=incident, actor=riverside_mso, physical_harm="low", psychological_harm="none")
    assert board_report_content(riverside, date(2026, 11, 1))["series"]["harm"][-1] == 1


def test_the_content_takes_the_same_queries_however_many_incidents(riverside, incident_in, django_assert_max_num_queries):
    incident_in(date(2026, 11, 3))
    with CaptureQueriesContext(connection) as few:
        board_report_content(riverside, date(2026, 11, 1))
    for day in range(4, 24):
        incident_in(date(2026, 11, day), medicines=[{"name": f"Medicine {day}", "route": "oral", "dose": "1"}])
    with django_assert_max_num_queries(len(few)):
        board_report_content(riverside, date(2026, 11, 1))


def test_red_flags_show_their_escalation_state(riverside, riverside_director, incident_in):
    incident_in(date(2026, 11, 5), physical_harm="severe")
    content = board_report_content(riverside, date(2026, 11, 1))
    [row] = content["red_flags"]
    assert row["escalation"].startswith("Waiting for the board director")


@pytest.fixture
def draft(riverside, riverside_mso):
    report, _ = services.board_report_prepare(organisation=riverside, month=date(2026, 11, 1))
    Notification.objects.all().delete()
    return report


def test_issue_freezes_the_content_with_its_hash_and_emails_the_director_once(draft, riverside_mso, riverside_director, incident_in):
    incident_in(date(2026, 11, 5))
    report, emailed = services.board_report_issue(report=draft, actor=riverside_mso, narrative="Reporting is up.")
    assert emailed == ["director@riverside.example"]
    assert report.status == BoardReportStatus.ISSUED and report.content["series"]["reports"][-1] == 1
    assert report.content_hash == content_hash(report.content, "Reporting is up.")
    [email] = outbox("issued")
    assert email.recipient == "director@riverside.example"
    assert email.context["url"].endswith(f"/board-reports/{report.pk}/")
    assert email.context["pdf_url"].endswith(f"/board-reports/{report.pk}/pdf/")
    assert email.idempotency_key == f"board-report:{report.pk}:issued:director@riverside.example"

    # Later incidents do not change what was issued; issuing again is refused and emails nobody.
    incident_in(date(2026, 11, 6))
    report.refresh_from_db()
    assert report.content["series"]["reports"][-1] == 1
    with pytest.raises(DomainError):
        services.board_report_issue(report=report, actor=riverside_mso, narrative="Again")
    with pytest.raises(DomainError):
        services.board_report_save_narrative(report=report, actor=riverside_mso, narrative="Changed")
    assert len(outbox()) == 1


def test_issue_with_no_board_director_emails_nobody_and_says_so(draft, riverside_mso):
    report, emailed = services.board_report_issue(report=draft, actor=riverside_mso, narrative="Quiet month.")
    assert emailed == [] and outbox() == []
    assert report.status == BoardReportStatus.ISSUED


def test_issue_needs_a_narrative_and_the_mso(draft, riverside_mso, riverside_director, riverside_staff):
    with pytest.raises(DomainError, match="Write the narrative"):
        services.board_report_issue(report=draft, actor=riverside_mso, narrative="  ")
    with pytest.raises(NotAllowed):
        services.board_report_issue(report=draft, actor=riverside_director, narrative="Mine")
    draft.refresh_from_db()
    assert draft.status == BoardReportStatus.DRAFT


def test_too_long_a_narrative_is_refused_with_its_length(draft, riverside_mso):
    with pytest.raises(DomainError, match="6000 characters; it has 6001"):
        services.board_report_save_narrative(report=draft, actor=riverside_mso, narrative="x" * 6001)


def test_director_acknowledges_once_and_the_hash_is_unchanged(draft, riverside_mso, riverside_director, hillside_mso):
    report, _ = services.board_report_issue(report=draft, actor=riverside_mso, narrative="Signals below.")
    issued_hash = report.content_hash
    with pytest.raises(NotAllowed):
        services.board_report_acknowledge(report=report, actor=riverside_mso)
    report = services.board_report_acknowledge(report=report, actor=riverside_director, comment="Will take to board.")
    assert report.status == BoardReportStatus.ACKNOWLEDGED and report.content_hash == issued_hash
    assert recipients("acknowledged") == sorted(["mso@riverside.example", draft.organisation.generic_mso_email])
    with pytest.raises(DomainError, match="already acknowledged"):
        services.board_report_acknowledge(report=report, actor=riverside_director)


def test_a_draft_cannot_be_acknowledged(draft, riverside_director):
    with pytest.raises(DomainError, match="not issued"):
        services.board_report_acknowledge(report=draft, actor=riverside_director)


def test_one_reminder_after_ten_working_days(draft):
    prepared = date(2027, 1, 4)
    BoardReport.objects.filter(pk=draft.pk).update(prepared_at=timezone.make_aware(
        timezone.datetime(2027, 1, 4, 7, 0)))
    assert services.board_reports_remind(today=prepared + timedelta(days=13)) == 0  # 9 working days on
    assert services.board_reports_remind(today=date(2027, 1, 18)) == 1  # the 10th working day
    assert services.board_reports_remind(today=date(2027, 1, 25)) == 0
    assert recipients("reminder") == sorted(["mso@riverside.example", draft.organisation.generic_mso_email])
    assert "not issued yet" in outbox("reminder")[0].subject


def test_an_issued_report_is_not_reminded(draft, riverside_mso):
    services.board_report_issue(report=draft, actor=riverside_mso, narrative="Done.")
    BoardReport.objects.filter(pk=draft.pk).update(prepared_at=timezone.now() - timedelta(days=60))
    assert services.board_reports_remind() == 0
