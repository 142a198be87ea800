"""Forms of the registry. They check input only; services make the changes."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from core.forms import NOTE_MAX, CalendarDateField, LimitedCharField
from core.widgets import DateInput

from .models import (
    ClinicalSafetyTraining,
    CommunicationRecipient,
    NationalCommunication,
    Organisation,
    OrganisationType,
    ProfessionalDetails,
    Region,
    Role,
    RoleAssignment,
)

User = get_user_model()
DATE_INPUT = DateInput()


class RoleAssignForm(forms.Form):
    email = forms.EmailField(label="Person's work email", help_text="They must already have a MedSafety Hub account.")
    role = forms.ChoiceField(choices=[(r.value, r.label) for r in Role if r != Role.REGISTRY_ADMIN])
    start_date = CalendarDateField(initial=timezone.localdate, widget=DATE_INPUT, help_text="Today or earlier.")

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise forms.ValidationError(
                "No active account has this email address. Ask them to sign up first, then add the role."
            )
        self.cleaned_data["user"] = user
        return email

    def clean_start_date(self):
        start = self.cleaned_data["start_date"]
        if start > timezone.localdate():
            raise forms.ValidationError("A role starts today or on an earlier date; add it on the day it starts.")
        return start


class OrganisationForm(forms.ModelForm):
    """The registry administrator's form for an organisation's identity and mailbox."""

    class Meta:
        model = Organisation
        fields = ["name", "ods_code", "organisation_type", "region", "icb", "generic_mso_email"]
        help_texts = {"ods_code": "3 to 6 letters and digits, e.g. RXF (trust), QNQ (ICB), A81001 (GP practice)."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["icb"].queryset = Organisation.objects.filter(organisation_type=OrganisationType.ICB)

    def validate_unique(self):
        # The service checks uniqueness with the code normalised; the form reports it in words.
        code = (self.cleaned_data.get("ods_code") or "").strip().upper()
        if code and Organisation.objects.filter(ods_code=code).exclude(pk=self.instance.pk).exists():
            self.add_error("ods_code", f"{code} is already in the registry.")


class MailboxForm(forms.Form):
    generic_mso_email = forms.EmailField(
        label="Generic MSO mailbox", help_text="A shared mailbox that stays when the MSO changes, not a person's own address."
    )


class ProfessionalDetailsForm(forms.ModelForm):
    class Meta:
        model = ProfessionalDetails
        fields = ["job_title", "profession", "registration_body", "registration_number", "work_phone"]
        help_texts = {
            "registration_number": "GMC and GPhC: 7 digits. NMC PIN: e.g. 01A2345N. HCPC: e.g. PH123456.",
        }


class TrainingForm(forms.ModelForm):
    evidence_note = LimitedCharField(
        max_length=NOTE_MAX, required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=ClinicalSafetyTraining._meta.get_field("evidence_note").help_text,
    )

    class Meta:
        model = ClinicalSafetyTraining
        fields = ["course", "provider", "completed_on", "evidence_note"]
        widgets = {"completed_on": DATE_INPUT}
        field_classes = {"completed_on": CalendarDateField}
        labels = {"completed_on": "Date completed"}

    def clean_completed_on(self):
        completed = self.cleaned_data["completed_on"]
        if completed > timezone.localdate():
            raise forms.ValidationError("Training is recorded once it is completed: the date cannot be in the future.")
        return completed


class HandoverStartForm(forms.Form):
    successor_email = forms.EmailField(label="Successor's work email")
    successor_name = forms.CharField(
        label="Successor's full name", max_length=200, required=False,
        help_text="Needed only if they have no MedSafety Hub account yet: we will invite them.",
    )
    leaving_date = CalendarDateField(label="Outgoing MSO's last day", widget=DATE_INPUT)
    successor_start_date = CalendarDateField(label="Successor's first day as MSO", widget=DATE_INPUT)
    covering_deputy = forms.ModelChoiceField(
        label="Deputy MSO covering any gap", queryset=User.objects.none(), required=False,
        help_text="Required when the successor starts more than a day after the leaving date.",
    )

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["covering_deputy"].queryset = User.objects.filter(
            pk__in=RoleAssignment.objects.current().filter(organisation=organisation, role=Role.DEPUTY_MSO).values("user")
        )

    def clean(self):
        cleaned = super().clean()
        email = (cleaned.get("successor_email") or "").strip().lower()
        if email:
            cleaned["successor"] = User.objects.filter(email__iexact=email).first()
            if cleaned["successor"] is None and not (cleaned.get("successor_name") or "").strip():
                self.add_error("successor_name", "Nobody has an account with this email yet: give their name to invite them.")
            elif cleaned["successor"] is not None and not cleaned["successor"].is_active:
                self.add_error("successor_email", "This account is closed; ask the system administrator to reopen it.")
        leaving, start = cleaned.get("leaving_date"), cleaned.get("successor_start_date")
        today = timezone.localdate()
        for name, value in (("leaving_date", leaving), ("successor_start_date", start)):
            if value and abs((value - today).days) > 366:
                self.add_error(name, "Give a date within a year of today.")
        return cleaned


class HandoverItemForm(forms.Form):
    done = forms.BooleanField(required=False, label="Done")
    evidence = LimitedCharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="How it was done, e.g. “Mailbox owner changed by IT, ticket INC123456”.",
    )


class ReasonForm(forms.Form):
    reason = LimitedCharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Columns: ods_code, name, organisation_type, region, icb_ods_code, generic_mso_email. UTF-8, up to 2 MB.",
    )


# --- national communications ---------------------------------------------------------------------


class CommunicationForm(forms.Form):
    kind = forms.ChoiceField(
        label="What is it?", choices=NationalCommunication.Kind.choices, widget=forms.RadioSelect,
        initial=NationalCommunication.Kind.SAFETY_UPDATE,
    )
    title = forms.CharField(max_length=200)
    body = LimitedCharField(label="Message", widget=forms.Textarea(attrs={"rows": 10}), max_length=20000)
    action_required_by = CalendarDateField(
        label="Action required by", required=False, widget=DATE_INPUT,
        help_text="For an alert needing action: reminders go out after this date, then the board director is told.",
    )
    region = forms.ChoiceField(label="NHS England region", choices=[("", "Every region")] + Region.choices, required=False)
    organisation_type = forms.ChoiceField(
        label="Organisation type", choices=[("", "Every type")] + OrganisationType.choices, required=False
    )
    icb = forms.ModelChoiceField(
        label="ICB", queryset=Organisation.objects.none(), required=False, empty_label="Every ICB",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["icb"].queryset = Organisation.objects.filter(organisation_type=OrganisationType.ICB).order_by("name")

    def clean(self):
        data = super().clean()
        if data.get("kind") == NationalCommunication.Kind.ACTION_REQUIRED:
            deadline = data.get("action_required_by")
            if deadline is None:
                self.add_error("action_required_by", "An alert needing action needs the date by which to act.")
            elif deadline < timezone.localdate():
                self.add_error("action_required_by", "The date to act by is in the past.")
        return data


class CommunicationAcknowledgeForm(forms.Form):
    note = LimitedCharField(
        label="What was done", widget=forms.Textarea(attrs={"rows": 3}), max_length=4000, required=False,
        help_text="Needed when you mark the action complete.",
    )


class CommunicationTrackingFilter(forms.Form):
    state = forms.ChoiceField(label="State", choices=[("", "Any state")] + CommunicationRecipient.State.choices, required=False)
    region = forms.ChoiceField(label="Region", choices=[("", "Any region")] + Region.choices, required=False)
    q = forms.CharField(label="Name or ODS code", required=False, max_length=100)
