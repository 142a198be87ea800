"""What the API reads and writes. A report is validated by the report form itself (IncidentReportForm
and the medicines formset), so the API and the page refuse the same things with the same words."""

from rest_framework import serializers

from core.forms import EARLIEST_DATE, LATEST_DATE, NARRATIVE_MAX, NOTE_MAX
from incidents.forms import IncidentReportForm, medicine_formset
from incidents.models import (
    ContributingFactor,
    ErrorType,
    MedicationIncident,
    NeverEvent,
    PhysicalHarm,
    PsychologicalHarm,
    Route,
    Stage,
    Status,
)
from mso_registry.models import Organisation, OrganisationType, Region
from mso_registry.national_list import Detail, listed_person


class MedicineInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    route = serializers.ChoiceField(choices=Route.choices, required=False, allow_blank=True, default="")
    dose = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    high_alert = serializers.BooleanField(required=False, default=False,
                                          help_text="Set for you for known high-alert medicines.")


class IncidentReportSerializer(serializers.Serializer):
    """The report form's fields. The form then checks it all again (dates, NHS number, medicines)."""

    occurred_on = serializers.DateField(help_text="The date it happened (YYYY-MM-DD), not in the future.")
    occurred_time = serializers.TimeField(help_text="The time it happened (HH:MM), your best estimate.")
    department = serializers.CharField(max_length=120)
    stage = serializers.ChoiceField(choices=Stage.choices)
    error_types = serializers.ListField(child=serializers.ChoiceField(choices=ErrorType.choices), min_length=1, max_length=len(ErrorType))
    physical_harm = serializers.ChoiceField(choices=PhysicalHarm.choices)
    psychological_harm = serializers.ChoiceField(choices=PsychologicalHarm.choices)
    never_event = serializers.ChoiceField(choices=NeverEvent.choices, required=False, allow_blank=True, default="")
    description = serializers.CharField(max_length=NARRATIVE_MAX)
    immediate_action = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True, default="")
    contributing_factors = serializers.ListField(
        child=serializers.ChoiceField(choices=ContributingFactor.choices), required=False, default=list,
        max_length=len(ContributingFactor),
    )
    nhs_number = serializers.CharField(max_length=14, required=False, allow_blank=True, default="",
                                       help_text="Optional; checked by its check digit.")
    wants_feedback = serializers.BooleanField(required=False, default=False)
    anonymous = serializers.BooleanField(required=False, default=False,
                                         help_text="No reporter is kept; a follow-up code is returned once.")
    medicines = MedicineInSerializer(many=True, min_length=1, max_length=10)

    def validate(self, attrs):
        organisation = self.context["organisation"]
        data = {k: v for k, v in attrs.items() if k != "medicines"}
        data["occurred_on"] = attrs["occurred_on"].isoformat()
        data["occurred_time"] = attrs["occurred_time"].strftime("%H:%M:%S")
        form = IncidentReportForm(data, organisations=Organisation.objects.filter(pk=organisation.pk))
        formset_data = {"medicines-TOTAL_FORMS": str(len(attrs["medicines"])), "medicines-INITIAL_FORMS": "0"}
        for index, medicine in enumerate(attrs["medicines"]):
            formset_data.update({f"medicines-{index}-{k}": v for k, v in medicine.items() if v not in (False, "")})
        formset = medicine_formset(formset_data)
        errors = {}
        if not form.is_valid():
            errors.update({("non_field_errors" if k == "__all__" else k): v for k, v in form.errors.items()})
        if not formset.is_valid():
            medicine_errors = [dict(e) for e in formset.errors]
            if any(medicine_errors):
                errors["medicines"] = medicine_errors
            if formset.non_form_errors():
                errors.setdefault("non_field_errors", []).extend(formset.non_form_errors())
        if errors:
            raise serializers.ValidationError(errors)
        cleaned = form.cleaned_data
        cleaned["medicines"] = [f.cleaned_data for f in formset.forms if f.cleaned_data]
        return cleaned


class MedicineSerializer(serializers.Serializer):
    name = serializers.CharField()
    route = serializers.CharField()
    dose = serializers.CharField()
    high_alert = serializers.BooleanField()


# One field object formats every date and time the fast representation writes, exactly as DRF would.
_MOMENT = serializers.DateTimeField()


class IncidentSerializer(serializers.ModelSerializer):
    """An incident as the review queue and page show it to the MSO team. The reporter is never named by
    the API (an anonymous report has none, and a named one is the MSO team's to see at the page)."""

    organisation = serializers.CharField(source="organisation.ods_code")
    anonymous = serializers.BooleanField(source="is_anonymous")
    status = serializers.ChoiceField(choices=Status.choices)
    error_types = serializers.SerializerMethodField()
    medicines = MedicineSerializer(many=True)

    class Meta:
        model = MedicationIncident
        fields = [
            "reference", "organisation", "status", "occurred_at", "submitted_at", "department", "stage",
            "error_types", "never_event", "physical_harm", "psychological_harm", "ncc_merp_category", "high_alert",
            "red_flag", "red_flags", "anonymous", "medicines", "description", "immediate_action",
            "contributing_factors", "closed_at", "learning_summary",
        ]

    def get_error_types(self, incident) -> list[str]:
        return sorted(row.error_type for row in incident.error_type_rows.all())

    def to_representation(self, incident) -> dict:
        """The fields above, read directly: a list call serialises up to 200 incidents, and DRF's walk
        through each field object was a fifth of its time. The declared fields stay for the schema and
        for `generic_representation`, which the tests hold this to."""
        moment = _MOMENT.to_representation
        return {
            "reference": incident.reference,
            "organisation": incident.organisation.ods_code,
            "status": incident.status,
            "occurred_at": moment(incident.occurred_at),
            "submitted_at": moment(incident.submitted_at),
            "department": incident.department,
            "stage": incident.stage,
            "error_types": self.get_error_types(incident),
            "never_event": incident.never_event,
            "physical_harm": incident.physical_harm,
            "psychological_harm": incident.psychological_harm,
            "ncc_merp_category": incident.ncc_merp_category,
            "high_alert": incident.high_alert,
            "red_flag": incident.red_flag,
            "red_flags": incident.red_flags,
            "anonymous": incident.is_anonymous,
            "medicines": [
                {"name": m.name, "route": m.route, "dose": m.dose, "high_alert": m.high_alert}
                for m in incident.medicines.all()
            ],
            "description": incident.description,
            "immediate_action": incident.immediate_action,
            "contributing_factors": incident.contributing_factors,
            "closed_at": None if incident.closed_at is None else moment(incident.closed_at),
            "learning_summary": incident.learning_summary,
        }

    def generic_representation(self, incident) -> dict:
        return super().to_representation(incident)


class IncidentCreatedSerializer(IncidentSerializer):
    follow_up_code = serializers.CharField(
        allow_null=True, help_text="For an anonymous report only: shown once, give it to whoever reported."
    )

    class Meta(IncidentSerializer.Meta):
        fields = [*IncidentSerializer.Meta.fields, "follow_up_code"]

    def to_representation(self, incident) -> dict:
        return {**super().to_representation(incident), "follow_up_code": getattr(incident, "follow_up_code", None)}


class DirectoryEntrySerializer(serializers.ModelSerializer):
    """A row of the national MSO list: what the registry administrator accepted, nothing more."""

    organisation_type = serializers.ChoiceField(choices=OrganisationType.choices)
    region = serializers.ChoiceField(choices=Region.choices)
    icb = serializers.CharField(source="icb.ods_code", allow_null=True, default=None)
    mso = serializers.SerializerMethodField(help_text="The MSO as the national list names them; blank while awaiting the registry.")
    board_director = serializers.SerializerMethodField(help_text="The board director as the national list names them.")
    mailbox = serializers.EmailField(source="listed_mailbox", allow_blank=True)
    mso_post_vacant = serializers.SerializerMethodField()
    record_confirmed_on = serializers.DateField(allow_null=True)

    class Meta:
        model = Organisation
        fields = ["ods_code", "name", "organisation_type", "region", "icb", "mso", "mailbox", "board_director",
                  "mso_post_vacant", "record_confirmed_on"]

    def get_mso(self, organisation) -> str:
        return listed_person(organisation, Detail.MSO)

    def get_board_director(self, organisation) -> str:
        return listed_person(organisation, Detail.BOARD_DIRECTOR)

    def get_mso_post_vacant(self, organisation) -> bool:
        return not organisation.has_mso


class HazardLogVersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    content_hash = serializers.CharField(help_text="SHA-256 of the snapshot's canonical JSON (sorted keys, no spaces).")
    note = serializers.CharField()
    signer_name = serializers.CharField()
    signer_registration = serializers.CharField()
    signed_at = serializers.DateTimeField()


class HazardLogVersionDetailSerializer(HazardLogVersionSerializer):
    snapshot = serializers.JSONField()


class SystemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    manufacturer = serializers.CharField()
    version = serializers.CharField()
    standard = serializers.CharField()
    organisation = serializers.CharField(source="organisation.ods_code")


class HazardLogSerializer(serializers.Serializer):
    system = SystemSerializer()
    content_hash = serializers.CharField(help_text="SHA-256 of the live log, as an issued version's would be.")
    snapshot = serializers.JSONField()
    versions = HazardLogVersionSerializer(many=True)


class MonthCountSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    total = serializers.IntegerField()
    moderate_or_worse = serializers.IntegerField()


class CountSerializer(serializers.Serializer):
    key = serializers.CharField()
    total = serializers.IntegerField()


class MonthlyStatsSerializer(serializers.Serializer):
    organisation = serializers.CharField()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    totals = serializers.DictField(child=serializers.IntegerField())
    per_month = MonthCountSerializer(many=True)
    by_stage = CountSerializer(many=True)
    by_harm = CountSerializer(many=True)
    by_error = CountSerializer(many=True)


class StatsQuerySerializer(serializers.Serializer):
    date_from = serializers.DateField(required=False, help_text="Default: the first day of the month 11 months ago.")
    date_to = serializers.DateField(required=False, help_text="Default: today.")

    def validate(self, attrs):
        for name in ("date_from", "date_to"):
            if name in attrs and not EARLIEST_DATE <= attrs[name] <= LATEST_DATE:
                raise serializers.ValidationError({name: f"Enter a date between {EARLIEST_DATE} and {LATEST_DATE}."})
        if attrs.get("date_from") and attrs.get("date_to") and attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"date_to": "The end date must be on or after the start date."})
        return attrs
