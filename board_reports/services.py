"""Writes of the monthly medication safety report. Each runs in one transaction with its audit
record and the outbox rows of the emails it causes; every email's idempotency key comes from the
report and the step (prepared, issued, reminder, acknowledged), so each is sent once."""

from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from audit.services import audit_record
from core.domain import DomainError, NotAllowed
from core.working_days import add_working_days, is_working_day
from mso_registry.models import Organisation, Role, RoleAssignment
from mso_registry.selectors import organisation_current_role_holders
from notifications.services import notification_queue

from . import permissions
from .models import BoardReport, BoardReportStatus
from .selectors import board_report_content, content_hash, month_start, months_before

NARRATIVE_MAX = 6000
# One reminder if a draft is still not issued this many working days after it was prepared.
REMIND_AFTER_WORKING_DAYS = 10


def report_url(report: BoardReport) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("board_reports:report_detail", args=[report.pk])


def pdf_url(report: BoardReport) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("board_reports:report_pdf", args=[report.pk])


def mso_team_recipients(organisation: Organisation) -> list[str]:
    """The MSO and deputy in person, and the generic MSO mailbox so that cover sees it too."""
    emails = [a.user.email for a in organisation_current_role_holders(organisation) if a.role in permissions.ISSUING_ROLES]
    if organisation.generic_mso_email:
        emails.append(organisation.generic_mso_email)
    return list(dict.fromkeys(e.lower() for e in emails))


def director_recipients(organisation: Organisation) -> list[str]:
    return [a.user.email for a in organisation_current_role_holders(organisation) if a.role == Role.BOARD_DIRECTOR]


def first_working_day(month: date) -> date:
    day = month_start(month)
    while not is_working_day(day):
        day = day.replace(day=day.day + 1)
    return day


def board_report_prepare(*, organisation: Organisation, month: date) -> tuple[BoardReport, bool]:
    """The draft for `month`, made once (the unique organisation + month) and the MSO team emailed
    once about it (key: the report's id + "prepared"). Gives back (report, created)."""
    month = month_start(month)
    with transaction.atomic():
        try:
            with transaction.atomic():
                report = BoardReport.objects.create(organisation=organisation, month=month)
        except IntegrityError:
            return BoardReport.objects.get(organisation=organisation, month=month), False
        audit_record(actor=None, action="board_report.prepared", target=report, organisation=organisation,
                     changes={"month": [None, month.isoformat()]})
        no_director = not director_recipients(organisation)
        for email in mso_team_recipients(organisation):
            notification_queue(
                recipient=email,
                subject=f"The medication safety report for {month:%B %Y} is ready to write",
                template="board_reports/email/prepared",
                context={"organisation": organisation.name, "month": f"{month:%B %Y}", "url": report_url(report),
                         "remind_after": REMIND_AFTER_WORKING_DAYS, "no_director": no_director},
                idempotency_key=f"board-report:{report.pk}:prepared:{email}",
            )
    return report, True


def board_reports_prepare_month(*, today: date | None = None, force: bool = False) -> int:
    """From the first working day of a month (England's bank holidays), a draft for last month for
    every organisation with a current MSO. Run daily by beat: a day the beat missed is made up the next
    day, and nothing is made twice (one report per organisation and month), so each MSO team is emailed
    once. Before the first working day it does nothing unless `force`. Gives how many were made."""
    today = today or timezone.localdate()
    if not force and today < first_working_day(today):
        return 0
    month = months_before(month_start(today), 1)
    with_mso = RoleAssignment.objects.current().filter(role=Role.MSO).values_list("organisation_id", flat=True)
    made = 0
    for organisation in Organisation.objects.filter(pk__in=with_mso).order_by("pk"):
        _, created = board_report_prepare(organisation=organisation, month=month)
        made += created
    return made


def board_report_save_narrative(*, report: BoardReport, actor, narrative: str) -> BoardReport:
    """Keep the MSO's narrative on a draft; an issued report's narrative never changes."""
    narrative = narrative.strip()
    if len(narrative) > NARRATIVE_MAX:
        raise DomainError(f"Keep the narrative to {NARRATIVE_MAX} characters; it has {len(narrative)}.")
    with transaction.atomic():
        report = BoardReport.objects.select_for_update().select_related("organisation").get(pk=report.pk)
        if not report.is_draft:
            raise DomainError("This report is already issued; its narrative can no longer change.")
        if not permissions.can_write_narrative(actor, report):
            raise NotAllowed("Only the organisation's MSO or deputy writes the report's narrative.")
        if narrative != report.narrative:
            audit_record(actor=actor, action="board_report.narrative_saved", target=report,
                         organisation=report.organisation, changes={"narrative": [report.narrative, narrative]})
            report.narrative = narrative
            report.save(update_fields=["narrative"])
    return report


def board_report_issue(*, report: BoardReport, actor, narrative: str) -> tuple[BoardReport, list[str]]:
    """Freeze the report (its figures as of now and the narrative) with a content hash, and email
    each board director once with the link and the PDF (key: report id + "issued" + address).
    Gives back the report and the directors emailed: none when no director is named."""
    narrative = narrative.strip()
    if not narrative:
        raise DomainError("Write the narrative before issuing: what the board should take from this month.")
    if len(narrative) > NARRATIVE_MAX:
        raise DomainError(f"Keep the narrative to {NARRATIVE_MAX} characters; it has {len(narrative)}.")
    with transaction.atomic():
        report = BoardReport.objects.select_for_update().select_related("organisation").get(pk=report.pk)
        if report.status != BoardReportStatus.DRAFT:
            raise DomainError("This report is already issued.")
        if not permissions.can_issue(actor, report):
            raise NotAllowed("Only the organisation's MSO or deputy issues the report.")
        content = board_report_content(report.organisation, report.month)
        report.narrative = narrative
        report.content = content
        report.content_hash = content_hash(content, narrative)
        report.status = BoardReportStatus.ISSUED
        report.issued_at = timezone.now()
        report.issued_by = actor
        report.save(update_fields=["narrative", "content", "content_hash", "status", "issued_at", "issued_by"])
        directors = director_recipients(report.organisation)
        audit_record(actor=actor, action="board_report.issued", target=report, organisation=report.organisation,
                     changes={"status": [BoardReportStatus.DRAFT, BoardReportStatus.ISSUED],
                              "content_hash": [None, report.content_hash], "directors_emailed": [None, directors]})
        for email in directors:
            notification_queue(
                recipient=email,
                subject=f"Medication safety report for {report.month:%B %Y}: please acknowledge",
                template="board_reports/email/issued",
                context={"organisation": report.organisation.name, "month": f"{report.month:%B %Y}",
                         "mso": str(actor), "url": report_url(report), "pdf_url": pdf_url(report),
                         "content_hash": report.content_hash},
                idempotency_key=f"board-report:{report.pk}:issued:{email}",
            )
    return report, directors


def board_report_acknowledge(*, report: BoardReport, actor, comment: str = "") -> BoardReport:
    """The board director acknowledges an issued report; the MSO team is told once. The report's
    content and hash are untouched."""
    with transaction.atomic():
        report = BoardReport.objects.select_for_update().select_related("organisation").get(pk=report.pk)
        if report.status == BoardReportStatus.ACKNOWLEDGED:
            raise DomainError("This report is already acknowledged.")
        if report.status != BoardReportStatus.ISSUED:
            raise DomainError("This report is not issued yet.")
        if not permissions.can_acknowledge_report(actor, report):
            raise NotAllowed("Only the organisation's board director acknowledges the report.")
        report.status = BoardReportStatus.ACKNOWLEDGED
        report.acknowledged_at = timezone.now()
        report.acknowledged_by = actor
        report.acknowledgement = comment.strip()
        report.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "acknowledgement"])
        audit_record(actor=actor, action="board_report.acknowledged", target=report, organisation=report.organisation,
                     changes={"status": [BoardReportStatus.ISSUED, BoardReportStatus.ACKNOWLEDGED],
                              "acknowledgement": [None, report.acknowledgement]})
        for email in mso_team_recipients(report.organisation):
            notification_queue(
                recipient=email,
                subject=f"The board director acknowledged the medication safety report for {report.month:%B %Y}",
                template="board_reports/email/acknowledged",
                context={"organisation": report.organisation.name, "month": f"{report.month:%B %Y}",
                         "director": str(actor), "comment": report.acknowledgement, "url": report_url(report)},
                idempotency_key=f"board-report:{report.pk}:acknowledged:{email}",
            )
    return report


def board_reports_remind(*, today: date | None = None) -> int:
    """One reminder to the MSO team for each draft not issued within REMIND_AFTER_WORKING_DAYS working
    days of being prepared (key: report id + "reminder"; reminded_at keeps it to one)."""
    today = today or timezone.localdate()
    reminded = 0
    for pk, prepared_at in BoardReport.objects.filter(status=BoardReportStatus.DRAFT, reminded_at__isnull=True).values_list("pk", "prepared_at"):
        due = add_working_days(timezone.localtime(prepared_at).date(), REMIND_AFTER_WORKING_DAYS)
        if today < due:
            continue
        with transaction.atomic():
            report = BoardReport.objects.select_for_update().select_related("organisation").get(pk=pk)
            if report.status != BoardReportStatus.DRAFT or report.reminded_at:
                continue
            report.reminded_at = timezone.now()
            report.save(update_fields=["reminded_at"])
            recipients = mso_team_recipients(report.organisation)
            audit_record(actor=None, action="board_report.reminded", target=report, organisation=report.organisation,
                         changes={"reminded": [None, recipients]})
            for email in recipients:
                notification_queue(
                    recipient=email,
                    subject=f"Reminder: the medication safety report for {report.month:%B %Y} is not issued yet",
                    template="board_reports/email/reminder",
                    context={"organisation": report.organisation.name, "month": f"{report.month:%B %Y}",
                             "url": report_url(report), "working_days": REMIND_AFTER_WORKING_DAYS},
                    idempotency_key=f"board-report:{report.pk}:reminder:{email}",
                )
            reminded += 1
    return reminded
