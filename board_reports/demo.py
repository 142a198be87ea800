"""Demo monthly reports. Riverside gets two years of incidents, the older year quieter (before a
reporting campaign), so that its report's chart of reports shows a real shift; every organisation
with an MSO gets last month's draft, as beat would make it; Riverside's month before is issued and
acknowledged, so that the list shows a report's whole journey."""

from datetime import timedelta

from django.utils import timezone

from incidents import demo as incidents_demo
from incidents import services as incidents_services
from incidents.summary import summary_rebuild
from mso_registry.models import Organisation, Role, RoleAssignment
from users.models import User

from . import services
from .models import BoardReportStatus
from .selectors import month_start, months_before

# The older year has this share of the recent year's reports: the step the chart finds as a shift.
QUIETER_YEAR = 0.55
HISTORY_FROM_DAYS, HISTORY_TO_DAYS = 366, 800  # about 14 more months: 24+ months on the chart
ISSUED_NARRATIVE = (
    "Reporting has stayed above its old level since the reporting campaign began: a shift, which we read as a "
    "healthier reporting culture, not more errors. Incidents causing harm show common cause variation only. "
    "The two overdue national alert actions are with pharmacy procurement; I will bring them to next month's committee."
)


def seed() -> None:
    riverside = Organisation.objects.filter(ods_code="R9R").first()
    if riverside is not None:
        _older_year(riverside)
    _drafts_and_an_issued_report(riverside)


def _older_year(riverside: Organisation) -> None:
    now = timezone.now()
    incidents = riverside.incidents
    recent = incidents.filter(submitted_at__gte=now - timedelta(days=365)).count()
    if not recent or incidents.filter(submitted_at__lt=now - timedelta(days=HISTORY_FROM_DAYS)).exists():
        return
    size = round(recent * QUIETER_YEAR * (HISTORY_TO_DAYS - HISTORY_FROM_DAYS) / 365)
    incidents_demo.bulk_incidents(riverside, size=size, seed="R9R-older-year", from_days=HISTORY_FROM_DAYS,
                                  to_days=HISTORY_TO_DAYS)
    incidents_services.incident_summary_refresh()  # the national view reads the summary
    summary_rebuild(organisation_ids=[riverside.pk])  # and the report the monthly one: bulk inserts keep neither


def _drafts_and_an_issued_report(riverside) -> None:
    last_month = months_before(month_start(timezone.localdate()), 1)
    with_mso = RoleAssignment.objects.current().filter(role=Role.MSO).values_list("organisation_id", flat=True)
    for organisation in Organisation.objects.filter(pk__in=with_mso).order_by("pk"):
        services.board_report_prepare(organisation=organisation, month=last_month)
    mso = User.objects.filter(email="mso@riverside.example").first()
    director = User.objects.filter(email="director@riverside.example").first()
    if riverside is None or mso is None:
        return
    before, _ = services.board_report_prepare(organisation=riverside, month=months_before(last_month, 1))
    if before.status == BoardReportStatus.DRAFT:
        before, _ = services.board_report_issue(report=before, actor=mso, narrative=ISSUED_NARRATIVE)
    if director and before.status == BoardReportStatus.ISSUED:
        services.board_report_acknowledge(report=before, actor=director, comment="Noted; to the Quality Committee.")
