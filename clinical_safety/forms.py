"""Input forms. They validate what was typed; the services make the change."""

import json

from django import forms
from django.contrib.auth import get_user_model

from core.forms import NARRATIVE_MAX, NOTE_MAX, CalendarDateField, LimitedCharField
from mso_registry.models import Role, RoleAssignment

from .models import ControlType, HazardLogVersion, HazardStatus, Standard
from .risk import LIKELIHOOD_DEFINITIONS, SEVERITY_DEFINITIONS, Likelihood, Severity, needs_justification, risk_rating

User = get_user_model()
TEXTAREA = forms.Textarea(attrs={"rows": 3})


def _people_of(organisation, roles=None):
    assignments = RoleAssignment.objects.current().filter(organisation=organisation)
    if roles:
        assignments = assignments.filter(role__in=roles)
    return User.objects.filter(pk__in=assignments.values("user")).order_by("full_name", "email")


class HealthITSystemForm(forms.Form):
    name = forms.CharField(max_length=200, help_text="For example, the EPMA or EPR as your staff know it.")
    manufacturer = forms.CharField(max_length=200)
    version = forms.CharField(max_length=50, help_text="The release or version deployed, e.g. 4.2.1.")
    standard = forms.ChoiceField(
        label="Standard that applies",
        choices=Standard.choices,
        widget=forms.RadioSelect,
        help_text="DCB0129 if your organisation makes the system; DCB0160 if it deploys it.",
    )
    intended_use = LimitedCharField(max_length=NOTE_MAX, widget=TEXTAREA)
    clinical_scope = LimitedCharField(
        max_length=NOTE_MAX, widget=TEXTAREA, help_text="The clinical settings, staff groups and patients it is used for."
    )
    cso = forms.ModelChoiceField(label="Responsible Clinical Safety Officer", queryset=User.objects.none())

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cso"].queryset = _people_of(organisation, [Role.CSO])


class SeverityLikelihoodField(forms.TypedChoiceField):
    def __init__(self, *, choices, definitions, **kwargs):
        super().__init__(
            choices=[("", "Choose…")] + [(c.value, f"{c.label}: {definitions[c]}") for c in choices],
            coerce=int,
            **kwargs,
        )


class HazardForm(forms.Form):
    """Severity and likelihood are chosen; the ratings are looked up from the matrix, never typed."""

    title = forms.CharField(max_length=200)
    description = LimitedCharField(max_length=NARRATIVE_MAX, widget=TEXTAREA)
    causes = LimitedCharField(max_length=NARRATIVE_MAX, widget=TEXTAREA)
    effect = LimitedCharField(max_length=NARRATIVE_MAX, widget=TEXTAREA, help_text="What happens in the system or the workflow.")
    clinical_impact = LimitedCharField(max_length=NARRATIVE_MAX, label="Potential clinical impact", widget=TEXTAREA)
    existing_controls = LimitedCharField(max_length=NARRATIVE_MAX, widget=TEXTAREA, required=False)
    initial_severity = SeverityLikelihoodField(choices=Severity, definitions=SEVERITY_DEFINITIONS)
    initial_likelihood = SeverityLikelihoodField(choices=reversed(Likelihood), definitions=LIKELIHOOD_DEFINITIONS)
    residual_severity = SeverityLikelihoodField(
        choices=Severity, definitions=SEVERITY_DEFINITIONS, help_text="After the additional controls."
    )
    residual_likelihood = SeverityLikelihoodField(
        choices=reversed(Likelihood), definitions=LIKELIHOOD_DEFINITIONS, help_text="After the additional controls."
    )
    residual_justification = LimitedCharField(
        max_length=NOTE_MAX,
        label="Justification for accepting the residual risk",
        widget=TEXTAREA,
        required=False,
        help_text="Required when the residual rating is 3: why further risk reduction is impractical.",
    )
    status = forms.ChoiceField(
        choices=HazardStatus.choices,
        help_text="Transferred: the manufacturer's actions are done and the deployer's are outstanding.",
    )
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    actions = LimitedCharField(max_length=NARRATIVE_MAX, label="Outstanding actions", widget=TEXTAREA, required=False)
    review_date = CalendarDateField(required=False)

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _people_of(organisation)

    def clean(self):
        data = super().clean()
        scores = [data.get(f) for f in ("initial_severity", "initial_likelihood", "residual_severity", "residual_likelihood")]
        if None in scores:
            return data
        initial, residual = risk_rating(scores[0], scores[1]), risk_rating(scores[2], scores[3])
        if needs_justification(residual) and not data.get("residual_justification", "").strip():
            self.add_error(
                "residual_justification",
                "The residual rating is 3 (undesirable). Record why further risk reduction is impractical.",
            )
        if residual > initial:
            self.add_error(
                "residual_likelihood",
                f"The residual rating ({residual}) is higher than the initial rating ({initial}). "
                "Controls reduce risk: check the scores.",
            )
        return data


class HazardControlForm(forms.Form):
    control_type = forms.ChoiceField(label="Type of control", choices=ControlType.choices)
    description = LimitedCharField(max_length=NOTE_MAX, label="The control", widget=TEXTAREA)
    verification = LimitedCharField(
        max_length=NOTE_MAX, label="How it was verified", widget=TEXTAREA, required=False,
        help_text="The test, audit or sign-off that shows it works. Leave blank until it is verified.",
    )
    verified_on = CalendarDateField(required=False)

    def clean(self):
        data = super().clean()
        if data.get("verified_on") and not data.get("verification", "").strip():
            self.add_error("verification", "Say how the control was verified, or leave the date blank.")
        return data


class HazardLogIssueForm(forms.Form):
    note = LimitedCharField(
        max_length=NOTE_MAX, label="What changed in this version", widget=TEXTAREA, required=False,
        help_text="For example: new hazards from the 4.2 release; H-003 rescored after go-live.",
    )
    confirm = forms.BooleanField(
        label="I have reviewed the hazard log and sign this version as Clinical Safety Officer",
    )


class SafetyCaseForm(forms.Form):
    release = forms.CharField(label="Release or deployment", max_length=200, help_text="e.g. Version 4.2 go-live, wards 1-12.")
    scope = LimitedCharField(max_length=NARRATIVE_MAX, widget=TEXTAREA)
    intended_use = LimitedCharField(max_length=NOTE_MAX, widget=TEXTAREA)
    hazard_log_version = forms.ModelChoiceField(
        label="Issued hazard log version it rests on", queryset=HazardLogVersion.objects.none(),
    )
    outstanding_actions = LimitedCharField(max_length=NARRATIVE_MAX, widget=TEXTAREA, required=False)
    conclusion = LimitedCharField(max_length=NARRATIVE_MAX, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, system, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["hazard_log_version"]
        field.queryset = system.hazard_log_versions.order_by("-number")
        field.label_from_instance = lambda v: f"Version {v.number}, signed {v.signed_at:%-d %b %Y} by {v.signer_name}"


class SafetyCaseDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("reject", "Return to the CSO")], widget=forms.RadioSelect
    )
    comments = LimitedCharField(
        max_length=NOTE_MAX, widget=TEXTAREA, required=False, help_text="Required when you return it: what must change."
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not data.get("comments", "").strip():
            self.add_error("comments", "Say why you are returning the safety case, so the CSO knows what to change.")
        return data


class HazardLogImportForm(forms.Form):
    file = forms.FileField(
        label="Manufacturer's hazard log (JSON)",
        help_text="The file a manufacturer downloads from an issued hazard log version in MedSafety Hub.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 2 * 1024 * 1024:
            raise forms.ValidationError("The file is larger than 2 MB; a hazard log export is much smaller.")
        try:
            self.cleaned_data["document"] = json.loads(upload.read().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise forms.ValidationError("The file is not valid JSON.") from error
        return upload
