from django import forms

from .models import Scope


class ApiClientForm(forms.Form):
    organisation = forms.ChoiceField(label="For", error_messages={"required": "Choose whom the client is for."})
    name = forms.CharField(
        label="Name", max_length=120, help_text="What calls the API, for example 'EPMA incident feed' or 'BI board pack'.",
        error_messages={"required": "Give the client a name."},
    )
    scopes = forms.MultipleChoiceField(
        label="What it may do", choices=Scope.choices, widget=forms.CheckboxSelectMultiple,
        help_text="Give only what it needs. A national client may only read the national MSO list.",
        error_messages={"required": "Choose at least one thing the client may do."},
    )

    def __init__(self, *args, organisations, national: bool, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(o.pk), f"{o.name} ({o.ods_code})") for o in organisations]
        if national:
            choices.append(("national", "National (the national MSO list only)"))
        self.fields["organisation"].choices = choices
        self.organisations = {str(o.pk): o for o in organisations}

    def clean_organisation(self):
        value = self.cleaned_data["organisation"]
        return None if value == "national" else self.organisations[value]
