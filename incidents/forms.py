"""Forms validate what was typed and explain what is wrong; services make the changes."""

from datetime import datetime, timedelta

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.forms import NARRATIVE_MAX, NOTE_MAX, CalendarDateField, LimitedCharField, RowModelChoiceField
from core.widgets import DateInput, PlainSelect, TimeInput
from mso_registry.models import Organisation
from users.models import person_name

from .models import (
    ContributingFactor,
    ErrorType,
    NCCMERPCategory,
    NeverEvent,
    PhysicalHarm,
    PsychologicalHarm,
    Route,
    Stage,
)
from .validators import validate_nhs_number

NEVER_EVENT_CHOICES = [("", "No, it is not a Never Event"), *NeverEvent.choices]


def _required(message: str) -> dict:
    return {"required": message}


class IncidentReportForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=None, label="Which organisation is this for?", empty_label="Choose the organisation",
        error_messages=_required("Choose the organisation where it happened."),
    )
    occurred_on = CalendarDateField(
        label="Date it happened", widget=DateInput(),
        error_messages={"required": "Enter the date it happened.", "invalid": "Enter a real date, for example 17 3 2026."},
    )
    occurred_time = forms.TimeField(
        label="Time it happened", help_text="Your best estimate if you are not sure.",
        widget=TimeInput(),
        error_messages={"required": "Enter the time it happened (your best estimate).", "invalid": "Enter a time, for example 14:30."},
    )
    department = forms.CharField(
        label="Where it happened", max_length=120, help_text="Ward, department or location, for example Ward 7 or Pharmacy.",
        error_messages=_required("Enter the ward, department or location where it happened."),
    )
    stage = forms.ChoiceField(
        label="At which stage did it happen?", choices=Stage.choices, widget=forms.RadioSelect,
        error_messages=_required("Choose the stage at which it happened."),
    )
    error_types = forms.MultipleChoiceField(
        label="What went wrong?", help_text="Choose all that apply.", choices=ErrorType.choices,
        widget=forms.CheckboxSelectMultiple, error_messages=_required("Choose at least one thing that went wrong."),
    )
    physical_harm = forms.ChoiceField(
        label="Physical harm to the patient", choices=PhysicalHarm.choices, widget=forms.RadioSelect,
        help_text="As far as you know now. The MSO confirms the grade on review.",
        error_messages=_required("Choose the physical harm, or 'No physical harm'."),
    )
    psychological_harm = forms.ChoiceField(
        label="Psychological harm to the patient", choices=PsychologicalHarm.choices, widget=forms.RadioSelect,
        error_messages=_required("Choose the psychological harm, or 'No psychological harm'."),
    )
    never_event = forms.ChoiceField(
        label="Is this a Never Event?", choices=NEVER_EVENT_CHOICES, required=False,
        help_text="Medication Never Events on the NHS list.",
    )
    description = LimitedCharField(
        max_length=NARRATIVE_MAX, label="What happened?", widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Describe the facts. Do not write the patient's name or other details that identify them.",
        error_messages=_required("Describe what happened."),
    )
    immediate_action = LimitedCharField(
        max_length=NOTE_MAX, label="Immediate action taken", required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: doctor informed, patient monitored, dose withheld.",
    )
    contributing_factors = forms.MultipleChoiceField(
        label="What contributed?", required=False, help_text="Optional. Choose all that apply.",
        choices=ContributingFactor.choices, widget=forms.CheckboxSelectMultiple,
    )
    nhs_number = forms.CharField(
        label="NHS number (optional)", required=False, max_length=14,
        help_text="Not needed. If you give it, it is checked: 10 digits, for example 943 476 5919.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    wants_feedback = forms.BooleanField(
        label="I would like feedback on what happens with this report", required=False, initial=True
    )
    anonymous = forms.BooleanField(
        label="Report anonymously",
        required=False,
        help_text="Your name is not kept with the report. You get a private follow-up code to see its progress "
        "and feedback; keep it safe, it cannot be shown again.",
    )

    def __init__(self, *args, organisations, **kwargs):
        """`organisations`: those the reporter reports for, by name (a list, or a queryset read here)."""
        super().__init__(*args, **kwargs)
        self.organisations = organisations = list(organisations)
        field = self.fields["organisation"]
        # Read only to check or draw a choice: the blank form's drawing is cached (incident_form.html).
        field.queryset = Organisation.objects.filter(pk__in=[o.pk for o in organisations]).order_by("name")
        if len(organisations) == 1:
            # One organisation: nothing to choose; the page says which one.
            field.initial = organisations[0].pk
            field.widget = forms.HiddenInput()
            field.required = False
        self.fields["nhs_number"].validators.append(validate_nhs_number)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            "organisation",
            Fieldset("When and where", Div(Div("occurred_on", css_class="col-sm-6"), Div("occurred_time", css_class="col-sm-6"), css_class="row"), "department"),
            Fieldset("What went wrong", "stage", "error_types", "never_event"),
        )
        self.helper_after = FormHelper()
        self.helper_after.form_tag = False
        self.helper_after.disable_csrf = True
        self.helper_after.layout = Layout(
            Fieldset("Harm", "physical_harm", "psychological_harm"),
            Fieldset("What happened", "description", "immediate_action", "contributing_factors", "nhs_number"),
            Fieldset("About you", "wants_feedback", "anonymous"),
        )

    def clean_organisation(self):
        chosen = self.cleaned_data.get("organisation")
        return chosen or (self.organisations[0] if len(self.organisations) == 1 else None)

    def clean(self):
        data = super().clean()
        on, at = data.get("occurred_on"), data.get("occurred_time")
        if on and at:
            when = timezone.make_aware(datetime.combine(on, at))
            if when > timezone.now() + timedelta(minutes=5):
                self.add_error("occurred_on", "The date and time it happened cannot be in the future.")
            elif when < timezone.now() - timedelta(days=3 * 365):
                self.add_error("occurred_on", "The date is more than 3 years ago; check the year.")
            data["occurred_at"] = when
        return data


class MedicineForm(forms.Form):
    name = forms.CharField(
        label="Medicine", max_length=120, help_text="Generic or brand name, for example Insulin aspart.",
        error_messages=_required("Enter the medicine's name (generic or brand)."),
        widget=forms.TextInput(attrs={"class": "js-medicine-name", "autocomplete": "off"}),
    )
    route = forms.ChoiceField(label="Route", choices=[("", "Not known"), *Route.choices], required=False)
    dose = forms.CharField(label="Dose", max_length=60, required=False, help_text="For example 10 units or 5 mg.")
    high_alert = forms.BooleanField(
        label="High-alert medicine", required=False,
        help_text="Ticked for you for known high-alert medicines (insulin, anticoagulants, opioids, methotrexate...).",
        widget=forms.CheckboxInput(attrs={"class": "js-high-alert"}),
    )


class BaseMedicineFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        names = [f.cleaned_data.get("name", "").strip().lower() for f in self.forms if f.cleaned_data]
        if len(names) != len(set(names)):
            raise ValidationError("The same medicine is listed twice; list each medicine once.")


MedicineFormSet = forms.formset_factory(
    MedicineForm, formset=BaseMedicineFormSet, extra=0, min_num=1, validate_min=True, max_num=10, validate_max=True,
)


def medicine_formset(data=None):
    formset = MedicineFormSet(data, prefix="medicines")
    formset.error_messages = {
        **formset.error_messages,
        "too_few_forms": "Add at least one medicine: its name is enough if you do not know the dose.",
        "too_many_forms": "A report lists up to 10 medicines.",
    }
    return formset


class GradeForm(forms.Form):
    # PlainSelect: the same HTML, without a template per option (this form is on every incident page).
    physical_harm = forms.ChoiceField(label="Physical harm", choices=PhysicalHarm.choices, widget=PlainSelect)
    psychological_harm = forms.ChoiceField(label="Psychological harm", choices=PsychologicalHarm.choices, widget=PlainSelect)
    ncc_merp_category = forms.ChoiceField(
        label="NCC MERP category", choices=[("", "Not set"), *NCCMERPCategory.choices], required=False, widget=PlainSelect
    )
    never_event = forms.ChoiceField(label="Never Event", choices=NEVER_EVENT_CHOICES, required=False, widget=PlainSelect)
    note = LimitedCharField(
        max_length=NOTE_MAX, label="Reason for the grade", required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept in the audit trail. Needed when you change the reporter's grade.",
    )

    def __init__(self, *args, incident=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.incident = incident

    def clean(self):
        data = super().clean()
        if self.incident and not data.get("note", "").strip():
            changed = any(
                data.get(f) is not None and data.get(f) != getattr(self.incident, f)
                for f in ("physical_harm", "psychological_harm")
            )
            if changed:
                self.add_error("note", "Say why you are changing the harm grade; it is kept in the audit trail.")
        return data


class LearningForm(forms.Form):
    learning_summary = LimitedCharField(
        max_length=NARRATIVE_MAX, label="Learning summary", widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What the organisation has learned; shared with the Medication Safety Committee.",
        error_messages=_required("Write the learning summary."),
    )


# An action's possible owners: everyone with a role in the organisation, named as User.get_full_name does.
OWNER_LABEL_FIELDS = ("full_name", "email")


def owner_label(full_name: str, email: str) -> str:
    return f"{person_name(full_name, email)} ({email})"


class ActionForm(forms.Form):
    description = forms.CharField(label="Action", max_length=500, error_messages=_required("Describe the action."))
    owner = RowModelChoiceField(
        queryset=None, label="Owner", empty_label="Choose the owner", error_messages=_required("Choose who owns the action."),
        label_fields=OWNER_LABEL_FIELDS, label_from_values=owner_label,
    )
    due_date = CalendarDateField(
        label="Due date", widget=DateInput(),
        error_messages={"required": "Enter the date the action is due.", "invalid": "Enter a real date."},
    )

    def __init__(self, *args, owners, owner_rows=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        self.fields["owner"].rows = owner_rows  # the owners' rows, when the page has read them already

    def clean_due_date(self):
        due = self.cleaned_data["due_date"]
        if due < timezone.localdate():
            raise ValidationError("The due date cannot be in the past.")
        return due


class ActionDoneForm(forms.Form):
    note = forms.CharField(
        label="What was done, and the evidence", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000,
        help_text="For example: 20 charts audited on 3 March; the results are in the ward safety folder.",
        error_messages=_required("Say what was done and where the evidence is."),
    )


class ActionReassignForm(forms.Form):
    owner = RowModelChoiceField(
        queryset=None, label="Give to", empty_label="Choose the new owner",
        error_messages={**_required("Choose who the action goes to."),
                        "invalid_choice": "Choose someone who works for the organisation now."},
        label_fields=OWNER_LABEL_FIELDS, label_from_values=owner_label,
    )

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners


class FeedbackForm(forms.Form):
    feedback = LimitedCharField(
        max_length=NOTE_MAX, label="Feedback to the reporter", widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Thank them and say what is being done. A named reporter who asked for feedback is emailed; an "
        "anonymous reporter reads it with their follow-up code.",
        error_messages=_required("Write the feedback before sending it."),
    )


class EscalateForm(forms.Form):
    message = LimitedCharField(
        max_length=NOTE_MAX, label="Message to the board director", widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=_required("Write a message for the board director."),
    )


class AcknowledgeForm(forms.Form):
    comment = LimitedCharField(
        max_length=NOTE_MAX, label="Your comment", widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What you have noted or will do.",
        error_messages=_required("Add a comment: what you have noted or will do."),
    )


class FollowUpForm(forms.Form):
    reference = forms.CharField(
        label="Reference", max_length=20, help_text="For example MI-2026-000123.",
        error_messages=_required("Enter the reference from your receipt."),
    )
    code = forms.CharField(
        label="Follow-up code", max_length=20, help_text="The private code from your receipt, for example ABCD-EFGH-JKLM.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
        error_messages=_required("Enter your follow-up code."),
    )


class DashboardFilterForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=None, required=False, empty_label=None, to_field_name="ods_code")
    date_from = CalendarDateField(label="From", required=False)
    date_to = CalendarDateField(label="To", required=False)
    department = forms.CharField(
        label="Department", required=False, max_length=120, widget=forms.TextInput(attrs={"list": "departments"})
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(pk__in=[o.pk for o in organisations])
        if len(organisations) == 1:
            self.fields["organisation"].widget = forms.HiddenInput()

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end date must be on or after the start date.")
        return data


class BulletinForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=None, label="Organisation", empty_label=None)
    title = forms.CharField(max_length=200, error_messages=_required("Give the bulletin a title."))
    body = LimitedCharField(
        label="What we learned", widget=forms.Textarea(attrs={"rows": 8}), max_length=20000,
        help_text="Write for everyone who works here. Do not name patients or the people who reported.",
        error_messages=_required("Write what was learned."),
    )
    incidents = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple, label="Built from these closed incidents",
        error_messages={"invalid_choice": "Choose from the closed incidents listed: one you chose is not among them "
                        "(it may have been reopened since the page was loaded)."},
        help_text="The 100 most recently closed. Each is shown by its stage, what went wrong, medicines, harm and "
        "learning only: never the reporter, the NHS number or the description.",
    )

    def __init__(self, *args, organisations, incidents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["incidents"].queryset = incidents
        self.fields["incidents"].label_from_instance = lambda i: (
            f"{i.reference} · {i.get_stage_display()} · {i.get_physical_harm_display()} · closed "
            f"{i.closed_at:%-d %b %Y}" if i.closed_at else f"{i.reference} · {i.get_stage_display()}"
        )
        if len(organisations) == 1:
            self.fields["organisation"].widget = forms.HiddenInput()
            self.fields["organisation"].initial = organisations[0].pk

    def clean(self):
        data = super().clean()
        organisation, chosen = data.get("organisation"), data.get("incidents") or []
        if organisation and any(i.organisation_id != organisation.pk for i in chosen):
            self.add_error("incidents", "Choose incidents of the organisation the bulletin is for.")
        return data
