"""Demo incidents that show what LFPSE received: one accepted, one rejected (the stand-in that `make run`
starts does not know Hillside's made-up ODS code) and one held (no LFPSE code for transcribing).
Made through the services and sent as the app sends; only when LFPSE submission is on."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from mso_registry.models import Organisation
from users.models import User

from .. import services
from ..models import MedicationIncident
from .delivery import lfpse_sweep
from .services import lfpse_enabled

STORIES = [
    ("R9R", "staff@riverside.example", "mso@riverside.example", {
        "department": "Ward 12 (Surgery)", "stage": "administering", "error_types": ["overdose"],
        "physical_harm": "low", "psychological_harm": "none",
        "description": "LFPSE demo: insulin given twice after a handover; blood glucose monitored and treated.",
        "medicines": [{"name": "Insulin aspart", "route": "subcutaneous", "dose": "8 units"}],
    }),
    ("R9H", "mso@hillside.example", "mso@hillside.example", {
        "department": "Pharmacy", "stage": "dispensing", "error_types": ["wrong_medicine"],
        "physical_harm": "none", "psychological_harm": "none",
        "description": "LFPSE demo: quetiapine dispensed instead of quinine; noticed by the ward before a dose.",
        "medicines": [{"name": "Quetiapine", "route": "oral", "dose": "25 mg"}],
    }),
    ("R9R", "staff@riverside.example", "mso@riverside.example", {
        "department": "Ward 7 (Acute Medicine)", "stage": "transcribing", "error_types": ["wrong_medicine"],
        "physical_harm": "none", "psychological_harm": "none",
        "description": "LFPSE demo: warfarin copied onto the new chart as apixaban; caught at the next round.",
        "medicines": [{"name": "Warfarin", "route": "oral", "dose": "3 mg"}],
    }),
]


def seed() -> int:
    """Report and grade each story once (found again by its description); send what is due."""
    if not lfpse_enabled():
        return 0
    made = 0
    at = timezone.make_aware(datetime.combine(timezone.localdate() - timedelta(days=2), time(10, 15)))
    for ods_code, reporter_email, mso_email, values in STORIES:
        organisation = Organisation.objects.filter(ods_code=ods_code).first()
        reporter = User.objects.filter(email=reporter_email).first()
        mso = User.objects.filter(email=mso_email).first()
        if not (organisation and reporter and mso) or MedicationIncident.objects.filter(description=values["description"]).exists():
            continue
        incident, _ = services.incident_report(reporter=reporter, organisation=organisation, anonymous=False,
                                               occurred_at=at, **values)
        services.incident_transition(incident=incident, actor=mso, transition="start_review")
        services.incident_grade(incident=incident, actor=mso, physical_harm=values["physical_harm"],
                                psychological_harm=values["psychological_harm"], note="Grade confirmed on review.")
        made += 1
    lfpse_sweep()
    return made
