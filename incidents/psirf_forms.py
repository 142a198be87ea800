"""Forms of PSIRF: the response plan's rules, commissioning and recording a learning response, and the
thematic view's filters. Input only; the services decide."""

from django import forms

from core.forms import NARRATIVE_MAX, NOTE_MAX, CalendarDateField, LimitedCharField, RowModelChoiceField

from .forms import OWNER_LABEL_FIELDS, owner_label
from .models import ErrorType, PhysicalHarm, ResponseType, Stage


def _people_field(**kwargs) -> RowModelChoiceField:
    """A choice of the organisation's people, named as an action's owners are."""
    return RowModelChoiceField(queryset=None, label_fields=OWNER_LABEL_FIELDS, label_from_values=owner_label, **kwargs)


class PlanRuleForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=None, empty_label=None)
    name = LimitedCharField(max_length=160, help_text="As your plan says it, e.g. “Omitted time-critical medicines”.")
    response_type = forms.ChoiceField(label="Suggested response", choices=ResponseType.choices)
    order = forms.IntegerField(min_value=0, max_value=10_000, initial=100, help_text="Lower numbers are tried first.")
    never_event = forms.BooleanField(label="The incident is a Never Event", required=False)
    high_alert = forms.BooleanField(label="A high-alert medicine is involved", required=False)
    minimum_harm = forms.ChoiceField(label="Physical harm at least", required=False,
                                     choices=[("", "Any harm"), *PhysicalHarm.choices])
    error_type = forms.ChoiceField(label="What went wrong", required=False, choices=[("", "Anything"), *ErrorType.choices])
    stage = forms.ChoiceField(required=False, choices=[("", "Any stage"), *Stage.choices])
    medicine_contains = LimitedCharField(label="Medicine name contains", max_length=60, required=False)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        if organisations.count() == 1:
            self.fields["organisation"].widget = forms.HiddenInput()
            self.fields["organisation"].initial = organisations.first().pk


class CommissionForm(forms.Form):
    response_type = forms.ChoiceField(label="Learning response", choices=ResponseType.choices[:-1], widget=forms.RadioSelect)
    title = LimitedCharField(max_length=200)
    lead = _people_field(empty_label="Choose the lead")
    participants = LimitedCharField(label="Who takes part", max_length=NOTE_MAX, required=False,
                                    widget=forms.Textarea(attrs={"rows": 2}))
    reason = LimitedCharField(label="Why this response", max_length=NOTE_MAX, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              help_text="Needed when you choose other than the plan's suggestion.")

    def __init__(self, *args, people, people_rows=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = people
        self.fields["lead"].rows = people_rows  # the people's rows, when the page has read them already


class ResponseRecordForm(forms.Form):
    participants = LimitedCharField(label="Who took part", max_length=NOTE_MAX, required=False,
                                    widget=forms.Textarea(attrs={"rows": 2}))
    patient_family_engagement = LimitedCharField(label="How the patient and family were engaged", max_length=NOTE_MAX,
                                                 required=False, widget=forms.Textarea(attrs={"rows": 3}))
    staff_engagement = LimitedCharField(label="How staff were engaged", max_length=NOTE_MAX, required=False,
                                        widget=forms.Textarea(attrs={"rows": 3}))
    findings = LimitedCharField(max_length=NARRATIVE_MAX, required=False, widget=forms.Textarea(attrs={"rows": 6}))


class LinkActionsForm(forms.Form):
    actions = forms.ModelMultipleChoiceField(queryset=None, label="Safety actions", widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, actions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actions"].queryset = actions
        self.fields["actions"].label_from_instance = lambda a: f"{a.incident.reference}: {a.description} ({a.owner})"


class ThematicFilterForm(forms.Form):
    medicine = LimitedCharField(label="Medicine name contains", max_length=60, required=False)
    error_type = forms.ChoiceField(label="What went wrong", required=False, choices=[("", "Anything"), *ErrorType.choices])
    stage = forms.ChoiceField(required=False, choices=[("", "Any stage"), *Stage.choices])
    department = LimitedCharField(label="Department or location", max_length=120, required=False)
    date_from = CalendarDateField(label="Happened from", required=False)
    date_to = CalendarDateField(label="Happened to", required=False)


class ThematicStartForm(forms.Form):
    incidents = forms.ModelMultipleChoiceField(queryset=None, widget=forms.MultipleHiddenInput)
    title = LimitedCharField(max_length=200)
    lead = _people_field(empty_label="Choose the lead")
    participants = LimitedCharField(label="Who takes part", max_length=NOTE_MAX, required=False,
                                    widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, incidents, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["incidents"].queryset = incidents
        self.fields["lead"].queryset = people
