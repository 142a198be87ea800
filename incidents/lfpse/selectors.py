"""Reads of what LFPSE has: the incident page's card, the MSO home page's counts, the national rates."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q

from mso_registry.models import Organisation

from .models import LfpseRecord, LfpseState, LfpseSubmission
from .services import lfpse_enabled


@dataclass(frozen=True)
class LfpseCard:
    enabled: bool
    submit_on: str
    record: LfpseRecord | None
    latest: LfpseSubmission | None

    @property
    def state(self) -> str:
        return self.record.state if self.record else LfpseState.NOT_DUE

    @property
    def held_reasons(self) -> list[str]:
        if not (self.record and self.record.state == LfpseState.HELD):
            return []
        text = self.record.message.removeprefix("Cannot be sent to LFPSE: ")
        if "no LFPSE code for " not in text:
            return [text]  # the built resource failed its checks: one reason, as it was written
        return ["no LFPSE code for " + part.strip() for part in text.split("no LFPSE code for ") if part.strip()]


def lfpse_card(incident) -> LfpseCard:
    record = LfpseRecord.objects.filter(incident=incident).first()
    latest = record.submissions.order_by("-version").first() if record else None
    return LfpseCard(enabled=lfpse_enabled(), submit_on=settings.LFPSE_SUBMIT_ON, record=record, latest=latest)


def lfpse_home_counts(organisation_ids) -> dict | None:
    """Rejected, held and given-up incidents of the organisations the user reviews; None when LFPSE is off."""
    if not lfpse_enabled():
        return None
    return LfpseRecord.objects.filter(organisation_id__in=organisation_ids).aggregate(
        rejected=Count("pk", filter=Q(state=LfpseState.REJECTED)),
        held=Count("pk", filter=Q(state=LfpseState.HELD)),
        failed=Count("pk", filter=Q(state=LfpseState.FAILED)),
    )


def lfpse_organisation_rates():
    """Per organisation with any incident due for LFPSE: how many are accepted, waiting, held,
    rejected or given up, worst rate first. One aggregate over the (organisation, state) index."""
    rows = (
        LfpseRecord.objects.exclude(state=LfpseState.NOT_DUE).values("organisation")
        .annotate(
            due=Count("pk"),
            accepted=Count("pk", filter=Q(state=LfpseState.ACCEPTED)),
            queued=Count("pk", filter=Q(state=LfpseState.QUEUED)),
            held=Count("pk", filter=Q(state=LfpseState.HELD)),
            rejected=Count("pk", filter=Q(state=LfpseState.REJECTED)),
            failed=Count("pk", filter=Q(state=LfpseState.FAILED)),
        ).order_by()
    )
    rows = list(rows)
    names = dict(Organisation.objects.filter(pk__in=[r["organisation"] for r in rows]).values_list("pk", "name"))
    codes = dict(Organisation.objects.filter(pk__in=[r["organisation"] for r in rows]).values_list("pk", "ods_code"))
    for row in rows:
        row["name"], row["ods_code"] = names.get(row["organisation"], ""), codes.get(row["organisation"], "")
        row["rate"] = round(100 * row["accepted"] / row["due"]) if row["due"] else None
    return sorted(rows, key=lambda r: (r["rate"] if r["rate"] is not None else 101, r["name"]))
