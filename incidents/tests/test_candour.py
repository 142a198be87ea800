"""The duty of candour: the working-day clock, the record a grade starts and a regrade withdraws,
each outcome, the letter and the chasers."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from core.domain import DomainError, NotAllowed
from core.working_days import add_working_days, is_working_day, working_days_between
from incidents import candour, candour_services, services
from incidents.models import CandourRecord, MedicationIncident
from mso_registry.models import Role
from notifications.models import Notification


def grade(incident, actor, physical="moderate", psychological="none", note="Graded on review."):
    return services.incident_grade(incident=incident, actor=actor, physical_harm=physical,
                                   psychological_harm=psychological, note=note)


def live(incident) -> CandourRecord | None:
    return incident.candour_records.filter(withdrawn_at__isnull=True).first()


# --- The clock ------------------------------------------------------------------------------------


def test_ten_working_days_skip_the_weekends():
    assert candour.notification_due(date(2026, 11, 2)) == date(2026, 11, 16)  # Monday to the Monday a fortnight on


def test_ten_working_days_skip_christmas_and_boxing_day_substitute():
    # 25 Dec 2026 is a Friday; Boxing Day is a Saturday, so Monday 28 Dec is the substitute bank holiday.
    assert not is_working_day(date(2026, 12, 25)) and not is_working_day(date(2026, 12, 28))
    assert candour.notification_due(date(2026, 12, 21)) == date(2027, 1, 7)  # 22,23,24,29,30,31 Dec, 4,5,6,7 Jan


def test_easter_and_may_bank_holidays_are_not_working_days():
    assert candour.notification_due(date(2026, 4, 1)) == date(2026, 4, 17)  # Good Friday 3rd, Easter Monday 6th
    assert not is_working_day(date(2026, 5, 4))  # Early May bank holiday


def test_a_grade_on_a_saturday_counts_from_the_monday():
    assert add_working_days(date(2026, 11, 7), 1) == date(2026, 11, 9)
    assert working_days_between(date(2026, 11, 6), date(2026, 11, 9)) == 1


def test_the_escalation_deadline_uses_the_same_calendar():
    # Before the bank holidays were known, Christmas Eve + 2 was Monday 28 December, a bank holiday.
    assert services.add_working_days(date(2026, 12, 24), 2) == date(2026, 12, 30)


# --- Which grades are notifiable -------------------------------------------------------------------


@pytest.mark.parametrize("physical,psychological,notifiable", [
    ("none", "none", False), ("low", "low", False), ("moderate", "none", True), ("severe", "none", True),
    ("fatal", "none", True), ("low", "moderate", True), ("none", "severe", True),
])
def test_notifiable_grades(physical, psychological, notifiable):
    assert candour.is_notifiable(physical_harm=physical, psychological_harm=psychological) is notifiable


# --- A grade starts the clock; a regrade below withdraws it ----------------------------------------


def test_grading_moderate_harm_starts_the_duty_with_its_due_date(make_incident, riverside_mso):
    incident = make_incident()
    assert live(incident) is None

    grade(incident, riverside_mso, "moderate")

    record = live(incident)
    assert record.due_date == candour.notification_due(timezone.localdate())
    assert record.graded_by == riverside_mso
    assert AuditEvent.objects.filter(action="incident.candour_started", object_id=str(incident.pk)).count() == 1


def test_a_report_of_moderate_harm_is_not_yet_a_duty_until_graded(make_incident):
    assert live(make_incident(physical_harm="moderate")) is None


def test_regrading_within_the_notifiable_range_keeps_the_clock(make_incident, riverside_mso):
    incident = make_incident()
    grade(incident, riverside_mso, "moderate")
    first = live(incident)
    grade(incident, riverside_mso, "severe", note="Worse than first thought.")
    assert live(incident).pk == first.pk and live(incident).due_date == first.due_date


def test_a_regrade_below_withdraws_the_duty_with_its_reason(make_incident, riverside_mso):
    incident = make_incident()
    grade(incident, riverside_mso, "moderate")

    grade(incident, riverside_mso, "low", note="Blood glucose back to normal within the hour; no extra treatment.")

    assert live(incident) is None
    withdrawn = incident.candour_records.get()
    assert withdrawn.withdrawn_reason.startswith("Blood glucose")
    assert AuditEvent.objects.filter(action="incident.candour_withdrawn").count() == 1


def test_a_regrade_below_without_a_reason_is_refused_and_changes_nothing(make_incident, riverside_mso):
    incident = make_incident()
    grade(incident, riverside_mso, "moderate")
    with pytest.raises(DomainError, match="threshold"):
        grade(incident, riverside_mso, "low", note="  ")
    incident.refresh_from_db()
    assert incident.physical_harm == "moderate" and live(incident) is not None


def test_a_regrade_up_again_starts_a_new_clock(make_incident, riverside_mso):
    incident = make_incident()
    grade(incident, riverside_mso, "moderate")
    grade(incident, riverside_mso, "low", note="Less harm.")
    grade(incident, riverside_mso, "moderate", note="More harm after all.")
    assert incident.candour_records.count() == 2 and live(incident) is not None


# --- The steps and outcomes ------------------------------------------------------------------------


@pytest.fixture
def record(make_incident, riverside_mso):
    incident = make_incident(occurred_at=timezone.now() - timedelta(days=2))
    grade(incident, riverside_mso, "moderate")
    return live(incident)


def tell(record, actor, **overrides):
    values = dict(told_on=timezone.localdate(), told_by="Dr A Shah, consultant", apology_given=True,
                  note="Explained the missed insulin dose and apologised.", relevant_person="the patient's daughter")
    values.update(overrides)
    return candour_services.candour_told_in_person(record=record, actor=actor, **values)


def test_told_in_person_then_in_writing_completes_the_duty_in_time(record, riverside_mso):
    tell(record, riverside_mso)
    record = candour_services.candour_letter_sent(record=record, actor=riverside_mso, sent_on=timezone.localdate(),
                                                  letter_text="Dear ..., we are sorry.")
    assert record.completed_on == timezone.localdate() and record.completed_in_time
    assert record.relevant_person == "the patient's daughter"
    record = candour_services.candour_findings_shared(record=record, actor=riverside_mso, shared_on=timezone.localdate(),
                                                      note="Met the family and went through the AAR's findings.")
    assert record.state == "Complete: findings shared"


def test_done_after_the_due_date_is_complete_but_late(record, riverside_mso):
    CandourRecord.objects.filter(pk=record.pk).update(due_date=timezone.localdate() - timedelta(days=1))
    record.refresh_from_db()
    tell(record, riverside_mso)
    record = candour_services.candour_letter_sent(record=record, actor=riverside_mso, sent_on=timezone.localdate(),
                                                  letter_text="Dear ...")
    assert record.completed_on and not record.completed_in_time


def test_telling_without_an_apology_is_refused(record, riverside_mso):
    with pytest.raises(DomainError, match="apology"):
        tell(record, riverside_mso, apology_given=False)


def test_the_letter_cannot_come_before_telling_in_person(record, riverside_mso):
    with pytest.raises(DomainError, match="in person first"):
        candour_services.candour_letter_sent(record=record, actor=riverside_mso, sent_on=timezone.localdate(),
                                             letter_text="Dear ...")


def test_telling_twice_is_refused(record, riverside_mso):
    tell(record, riverside_mso)
    with pytest.raises(DomainError, match="already recorded"):
        tell(record, riverside_mso)


def test_a_date_in_the_future_or_before_the_incident_is_refused(record, riverside_mso):
    with pytest.raises(DomainError, match="future"):
        tell(record, riverside_mso, told_on=timezone.localdate() + timedelta(days=1))
    with pytest.raises(DomainError, match="before the incident"):
        tell(record, riverside_mso, told_on=timezone.localdate() - timedelta(days=30))


@pytest.mark.parametrize("reason", ["declined", "not_contactable", "died_no_representative"])
def test_each_reason_why_not_closes_the_duty_with_its_record(record, riverside_mso, reason):
    record = candour_services.candour_not_possible(record=record, actor=riverside_mso, reason=reason,
                                                   note="Three phone calls and a letter.", recorded_on=timezone.localdate())
    assert record.completed_on == timezone.localdate() and record.state.startswith("Not carried out")
    with pytest.raises(DomainError):
        tell(record, riverside_mso)


def test_a_reason_why_not_needs_the_attempts_described(record, riverside_mso):
    with pytest.raises(DomainError, match="attempts"):
        candour_services.candour_not_possible(record=record, actor=riverside_mso, reason="declined", note=" ",
                                              recorded_on=timezone.localdate())


def test_the_sent_letter_is_kept_as_sent(record, riverside_mso):
    tell(record, riverside_mso)
    candour_services.candour_letter_sent(record=record, actor=riverside_mso, sent_on=timezone.localdate(), letter_text="As sent.")
    with pytest.raises(DomainError, match="kept as sent"):
        candour_services.candour_letter_save(record=record, actor=riverside_mso, letter_text="Changed later.")


def test_only_the_mso_team_keeps_the_record(record, riverside_staff, riverside_director):
    for person in (riverside_staff, riverside_director):
        with pytest.raises(NotAllowed):
            tell(record, person)


def test_a_withdrawn_duty_takes_no_more_steps(record, riverside_mso):
    grade(record.incident, riverside_mso, "low", note="Less harm.")
    with pytest.raises(DomainError, match="no longer applies"):
        tell(record, riverside_mso)


# --- The letter ------------------------------------------------------------------------------------


def test_the_letter_says_what_happened_and_sorry_but_names_no_reporter_or_description(make_incident, riverside_mso, riverside_staff):
    incident = make_incident(description="Bed 4's patient, Mrs Jones, was given it instead.",
                             medicines=[{"name": "Insulin glargine", "route": "subcutaneous", "dose": "20 units"}])
    grade(incident, riverside_mso, "moderate")
    incident = MedicationIncident.objects.prefetch_related("medicines", "error_type_rows").get(pk=incident.pk)
    text = candour.letter_draft(candour.letter_facts_of(incident, "the patient's son"))
    assert "Dear the patient's son" in text and "Insulin glargine" in text and "sorry" in text
    assert "omitted or delayed dose" in text and "being given" in text
    assert "Mrs Jones" not in text and riverside_staff.email not in text and str(riverside_staff) not in text


def test_an_anonymous_report_stays_anonymous_in_the_letter(make_incident, riverside_mso, riverside_staff):
    incident = make_incident(anonymous=True)
    grade(incident, riverside_mso, "moderate")
    incident = MedicationIncident.objects.prefetch_related("medicines", "error_type_rows").get(pk=incident.pk)
    text = candour.letter_draft(candour.letter_facts_of(incident, ""))
    assert "anonymous" not in text.lower() and riverside_staff.email not in text and "Dear the patient" in text


# --- Chasers ---------------------------------------------------------------------------------------


def _overdue(record, days=1):
    CandourRecord.objects.filter(pk=record.pk).update(due_date=timezone.localdate() - timedelta(days=days))


def test_overdue_candour_is_chased_once_to_the_mso_then_once_to_the_director(record, riverside_mso, riverside_director):
    _overdue(record)
    today = timezone.localdate()
    assert candour_services.candour_chase_overdue(today=today) == 1
    assert candour_services.candour_chase_overdue(today=today) == 0  # the director's turn has not come
    mso_chases = Notification.objects.filter(subject__startswith="Duty of candour overdue", recipient=riverside_mso.email)
    assert mso_chases.count() == 1
    later = add_working_days(today - timedelta(days=1), 6)
    assert candour_services.candour_chase_overdue(today=later) == 1
    assert candour_services.candour_chase_overdue(today=later + timedelta(days=7)) == 0
    director_chase = Notification.objects.get(recipient=riverside_director.email, subject__contains="Duty of candour")
    assert director_chase.context["url"].endswith(reverse("incidents:dashboard"))  # the director cannot open the record
    assert mso_chases.count() == 1


def test_with_no_board_director_the_mso_team_is_told_no_director_was(record, riverside_mso):
    assert not record.organisation.role_assignments.filter(role=Role.BOARD_DIRECTOR).exists()
    _overdue(record, days=20)
    today = timezone.localdate()
    candour_services.candour_chase_overdue(today=today)
    candour_services.candour_chase_overdue(today=today)
    told = Notification.objects.filter(subject__contains="no board director to tell")
    assert list(told.values_list("recipient", flat=True)) == [riverside_mso.email]
    event = AuditEvent.objects.filter(action="incident.candour_chased").order_by("pk").last()
    assert "no board director" in str(event.changes)


def test_done_candour_is_not_chased(record, riverside_mso):
    candour_services.candour_not_possible(record=record, actor=riverside_mso, reason="declined", note="Declined on the ward.",
                                          recorded_on=timezone.localdate())
    _overdue(record)
    assert candour_services.candour_chase_overdue() == 0
