"""Demo duty of candour and PSIRF at Riverside, made through the services (with their audit trail and
emails): a response plan; a notifiable incident with candour done and an After Action Review completed
with actions; one with candour overdue; a PSII in progress on a Never Event; a thematic review of
omitted doses. Idempotent: run again, it finds the plan and makes nothing."""

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from mso_registry.models import Organisation
from users.models import User

from . import candour, candour_services, psirf_services, services
from .models import CandourRecord, ErrorType, MedicationIncident, PhysicalHarm, ResponsePlanRule, ResponseType, Route, Stage

PLAN_MARKER = "High-alert medicine with moderate harm or worse"


def _at(days_ago: int, hour: int = 10):
    return timezone.make_aware(datetime.combine(timezone.localdate() - timedelta(days=days_ago), time(hour, 0)))


def _report(staff, riverside, *, days_ago, **values):
    incident, _ = services.incident_report(reporter=staff, organisation=riverside, anonymous=False,
                                           occurred_at=_at(days_ago), **values)
    return incident


def _graded(incident, mso, *, physical, days_ago, note, never_event=""):
    """Grade it, then date the candour clock from the day the demo says it was graded."""
    services.incident_transition(incident=incident, actor=mso, transition="start_review")
    services.incident_grade(incident=incident, actor=mso, physical_harm=physical, psychological_harm="none",
                            never_event=never_event, note=note)
    graded_on = timezone.localdate() - timedelta(days=days_ago)
    CandourRecord.objects.filter(incident=incident, withdrawn_at__isnull=True).update(
        graded_notifiable_at=_at(days_ago, 15), due_date=candour.notification_due(graded_on))
    return CandourRecord.objects.get(incident=incident, withdrawn_at__isnull=True)


def seed() -> bool:
    riverside = Organisation.objects.filter(ods_code="R9R").first()
    mso, staff = (User.objects.filter(email=e).first() for e in ("mso@riverside.example", "staff@riverside.example"))
    if not (riverside and mso and staff) or ResponsePlanRule.objects.filter(organisation=riverside, name=PLAN_MARKER).exists():
        return False
    with transaction.atomic():
        _plan(riverside, mso)
        _candour_done_with_aar(riverside, mso, staff)
        _candour_overdue(riverside, mso, staff)
        _psii_on_a_never_event(riverside, mso, staff)
        _thematic_review_of_omitted_doses(riverside, mso, staff)
    return True


def _plan(riverside, mso):
    for details in (
        {"name": PLAN_MARKER, "response_type": ResponseType.AAR, "order": 10, "high_alert": True,
         "minimum_harm": PhysicalHarm.MODERATE},
        {"name": "Omitted or delayed doses of time-critical medicines", "response_type": ResponseType.THEMATIC, "order": 20,
         "error_type": ErrorType.OMITTED_DELAYED},
        {"name": "Moderate harm or worse while giving medicines", "response_type": ResponseType.MDT, "order": 30,
         "minimum_harm": PhysicalHarm.MODERATE, "stage": Stage.ADMINISTERING},
    ):
        psirf_services.plan_rule_add(actor=mso, organisation=riverside, details=details)


def _candour_done_with_aar(riverside, mso, staff):
    incident = _report(staff, riverside, days_ago=24, department="Ward 12 (Surgery)", stage=Stage.ADMINISTERING,
                       error_types=[ErrorType.EXTRA_DOSE], physical_harm="moderate", psychological_harm="none",
                       description="Insulin given twice: the evening dose was charted on two pages.",
                       medicines=[{"name": "Insulin glargine", "route": Route.SUBCUTANEOUS, "dose": "24 units"}],
                       immediate_action="Blood glucose monitored hourly; glucose infusion started.")
    record = _graded(incident, mso, physical="moderate", days_ago=23, note="Needed a glucose infusion overnight.")
    today = timezone.localdate()
    candour_services.candour_told_in_person(
        record=record, actor=mso, told_on=today - timedelta(days=21), told_by="Dr Priya Shah, consultant surgeon",
        apology_given=True, relevant_person="the patient",
        note="Explained the second dose and the overnight monitoring, apologised, and offered a further meeting.")
    facts = candour.letter_facts_of(MedicationIncident.objects.prefetch_related("medicines", "error_type_rows")
                                    .get(pk=incident.pk), "the patient")
    candour_services.candour_letter_sent(record=record, actor=mso, sent_on=today - timedelta(days=19),
                                         letter_text=candour.letter_draft(facts))
    aar = psirf_services.response_commission(
        actor=mso, incidents=[incident], response_type=ResponseType.AAR, title="Insulin given twice on Ward 12", lead=mso,
        participants="Ward 12 nurses on the evening shift, the prescriber, a ward pharmacist",
        commissioned_on=today - timedelta(days=22))
    psirf_services.response_update(actor=mso, response=aar, details={
        "patient_family_engagement": "The patient asked how charting would change; we shared the findings at a meeting.",
        "staff_engagement": "AAR with the four staff involved, a week after the incident.",
        "findings": "Insulin was charted on a second page when the first was full, and both were signed for. "
                    "The electronic prescribing go-live on Ward 12 removes the paper chart."})
    action = services.incident_action_add(incident=incident, actor=mso, owner=mso,
                                          description="One insulin chart per patient until electronic prescribing goes live",
                                          due_date=today - timedelta(days=5))
    services.incident_action_complete(action=action, actor=mso)
    psirf_services.response_link_actions(actor=mso, response=aar, actions=[action])
    psirf_services.response_complete(actor=mso, response=aar)
    candour_services.candour_findings_shared(record=record, actor=mso, shared_on=today - timedelta(days=3),
                                             note="Met the patient and went through the AAR's findings and the change.")


def _candour_overdue(riverside, mso, staff):
    incident = _report(staff, riverside, days_ago=20, department="Ward 7 (Acute Medicine)", stage=Stage.PRESCRIBING,
                       error_types=[ErrorType.OVERDOSE], physical_harm="moderate", psychological_harm="none",
                       description="Enoxaparin prescribed at a treatment dose instead of a prophylactic dose; bleeding.",
                       medicines=[{"name": "Enoxaparin", "route": Route.SUBCUTANEOUS, "dose": "1.5 mg/kg"}])
    _graded(incident, mso, physical="moderate", days_ago=18, note="Bleeding needed a transfusion.")


def _psii_on_a_never_event(riverside, mso, staff):
    incident = _report(staff, riverside, days_ago=9, department="Day Oncology", stage=Stage.DISPENSING,
                       error_types=[ErrorType.OVERDOSE], physical_harm="severe", psychological_harm="none",
                       never_event="methotrexate_overdose",
                       description="Methotrexate 10 mg dispensed daily instead of weekly for rheumatoid arthritis.",
                       medicines=[{"name": "Methotrexate", "route": Route.ORAL, "dose": "10 mg"}])
    record = _graded(incident, mso, physical="severe", days_ago=8, note="Bone marrow suppression.",
                     never_event="methotrexate_overdose")
    candour_services.candour_told_in_person(
        record=record, actor=mso, told_on=timezone.localdate() - timedelta(days=7), told_by="Chief Pharmacist",
        apology_given=True, relevant_person="the patient's son",
        note="Explained the daily dispensing, apologised, and said a patient safety incident investigation will follow.")
    psirf_services.response_commission(
        actor=mso, incidents=[incident], response_type=ResponseType.PSII, title="Methotrexate dispensed daily instead of weekly",
        lead=mso, participants="Chief Pharmacist, dispensary team, rheumatology", commissioned_on=timezone.localdate() - timedelta(days=7))


def _thematic_review_of_omitted_doses(riverside, mso, staff):
    omitted = list(MedicationIncident.objects.filter(organisation=riverside, error_type_rows__error_type=ErrorType.OMITTED_DELAYED)
                   .distinct().order_by("-submitted_at")[:8])
    while len(omitted) < 2:  # a small demo (seed_demo --incidents 0) still gets its thematic review
        omitted.append(_report(staff, riverside, days_ago=30 + len(omitted), department="Ward 7 (Acute Medicine)",
                               stage=Stage.ADMINISTERING, error_types=[ErrorType.OMITTED_DELAYED], physical_harm="low",
                               psychological_harm="none", description="Co-careldopa dose missed: not on the ward.",
                               medicines=[{"name": "Co-careldopa", "route": Route.ORAL, "dose": "25/100 mg"}]))
    psirf_services.response_commission(
        actor=mso, incidents=omitted, response_type=ResponseType.THEMATIC, title="Omitted and delayed doses", lead=mso,
        participants="Medication Safety Committee, ward managers, pharmacy")
