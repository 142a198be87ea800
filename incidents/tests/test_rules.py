"""The red-flag rules, one by one, and what a red flag does at submission."""

import pytest

from incidents.models import Escalation
from incidents.rules import (
    facts_of,
    high_alert_medicine_with_moderate_harm,
    never_event,
    red_flags,
    severe_or_fatal_harm,
)
from notifications.models import Notification


def facts(physical="none", psychological="none", never="", medicines=None):
    medicines = medicines if medicines is not None else [{"name": "Paracetamol", "high_alert": False}]
    return facts_of(physical_harm=physical, psychological_harm=psychological, never_event=never, medicines=medicines)


INSULIN = [{"name": "Insulin aspart", "high_alert": True}]


@pytest.mark.parametrize("physical", ["severe", "fatal"])
def test_severe_or_fatal_physical_harm_is_a_red_flag(physical):
    assert severe_or_fatal_harm(facts(physical=physical))


def test_severe_psychological_harm_is_a_red_flag():
    assert severe_or_fatal_harm(facts(psychological="severe")) == "Severe psychological harm reported."


@pytest.mark.parametrize("physical", ["none", "low", "moderate"])
def test_less_than_severe_harm_is_not_flagged_by_the_harm_rule(physical):
    assert severe_or_fatal_harm(facts(physical=physical, psychological="moderate")) is None


def test_a_never_event_is_a_red_flag_whatever_the_harm():
    reason = never_event(facts(never="potassium"))
    assert reason.startswith("Never Event: Mis-selection of strong potassium solution")


def test_no_never_event_is_not_flagged_by_the_never_event_rule():
    assert never_event(facts()) is None


@pytest.mark.parametrize(("physical", "psychological"), [("moderate", "none"), ("none", "moderate"), ("severe", "none")])
def test_high_alert_medicine_with_moderate_harm_or_worse_is_a_red_flag(physical, psychological):
    reason = high_alert_medicine_with_moderate_harm(facts(physical, psychological, medicines=INSULIN))
    assert reason == "High-alert medicine (Insulin aspart) with moderate harm or worse."


def test_high_alert_medicine_with_low_harm_is_not_a_red_flag():
    assert high_alert_medicine_with_moderate_harm(facts("low", "low", medicines=INSULIN)) is None


def test_moderate_harm_without_a_high_alert_medicine_is_not_a_red_flag():
    assert high_alert_medicine_with_moderate_harm(facts("moderate")) is None
    assert red_flags(facts("moderate")) == []


def test_every_rule_that_applies_gives_its_reason():
    assert len(red_flags(facts("severe", never="insulin_overdose", medicines=INSULIN))) == 3


def test_red_flag_report_emails_the_mso_and_mailbox_and_opens_an_escalation_to_the_director(
    make_incident, riverside_mso, riverside_director
):
    incident = make_incident(physical_harm="severe", medicines=[{"name": "Insulin aspart", "dose": "40 units"}])

    assert incident.red_flag
    recipients = set(Notification.objects.filter(subject__startswith="Red flag").values_list("recipient", flat=True))
    assert recipients == {"mso@riverside.example", incident.organisation.generic_mso_email}
    escalation = Escalation.objects.get(incident=incident)
    assert escalation.reason == Escalation.Reason.RED_FLAG and escalation.is_open
    director_mail = Notification.objects.filter(recipient="director@riverside.example", subject__startswith="Escalation")
    assert director_mail.count() == 1


def test_a_report_that_is_not_a_red_flag_emails_nobody_and_is_not_escalated(make_incident, riverside_mso, riverside_director):
    incident = make_incident(physical_harm="low")

    assert not incident.red_flag
    assert not Escalation.objects.exists()
    assert not Notification.objects.filter(subject__contains=incident.reference).exists()


def test_a_known_high_alert_medicine_is_flagged_even_if_the_box_was_not_ticked(make_incident):
    incident = make_incident(physical_harm="moderate", medicines=[{"name": "Enoxaparin 40mg", "high_alert": False}])

    assert incident.medicines.get().high_alert
    assert incident.red_flag


def test_a_red_flag_regraded_away_and_back_tells_the_mso_again(make_incident, riverside_mso):
    """Severe → none → severe: the second red flag is a new decision (its own audit event), so the
    MSO hears of it, though its reasons are those of the first."""
    from incidents import services

    incident = make_incident(physical_harm="severe")
    mso_mail = Notification.objects.filter(recipient=riverside_mso.email, subject__startswith="Red flag")
    assert mso_mail.count() == 1
    services.incident_transition(incident=incident, actor=riverside_mso, transition="start_review")
    services.incident_grade(incident=incident, actor=riverside_mso, physical_harm="none", psychological_harm="none")
    assert mso_mail.count() == 1
    services.incident_grade(incident=incident, actor=riverside_mso, physical_harm="severe", psychological_harm="none")
    assert mso_mail.count() == 2
    # Confirming the same grade again raises nothing new.
    services.incident_grade(incident=incident, actor=riverside_mso, physical_harm="severe", psychological_harm="none")
    assert mso_mail.count() == 2
