"""Forms of the duty of candour record: input only; the services decide what is allowed."""

from django import forms
from django.utils import timezone

from core.widgets import DateInput

from .models import CandourReason


def _today():
    return timezone.localdate()


class ToldInPersonForm(forms.Form):
    relevant_person = forms.CharField(
        label="Who was told", max_length=120,
        help_text="The patient, or the person acting for them, e.g. “the patient's daughter”. No name is needed.",
    )
    told_on = forms.DateField(label="Date told in person", widget=DateInput(), initial=_today)
    told_by = forms.CharField(label="Told by (name and role)", max_length=200)
    apology_given = forms.BooleanField(
        label="An apology was given", required=False,
        help_text="Regulation 20 requires an apology as part of telling them.",
    )
    note = forms.CharField(label="What was said, and any support offered", widget=forms.Textarea(attrs={"rows": 3}))


class LetterForm(forms.Form):
    letter_text = forms.CharField(
        label="Written notification", widget=forms.Textarea(attrs={"rows": 16}),
        help_text="Drafted from the incident's facts; edit it in plain English before sending. "
                  "It never names the reporter or other patients.",
    )
    sent_on = forms.DateField(
        label="Date sent", widget=DateInput(), required=False,
        help_text="Only when recording the letter as sent.",
    )

    def clean(self):
        data = super().clean()
        if self.data.get("send") and not data.get("sent_on"):
            self.add_error("sent_on", "Give the date the letter was sent.")
        return data


class FindingsForm(forms.Form):
    shared_on = forms.DateField(label="Date the findings were shared", widget=DateInput(), initial=_today)
    note = forms.CharField(label="What was shared and how", widget=forms.Textarea(attrs={"rows": 3}))


class NotPossibleForm(forms.Form):
    reason = forms.ChoiceField(label="Why they could not be told", choices=CandourReason.choices, widget=forms.RadioSelect)
    recorded_on = forms.DateField(label="Date of the decision", widget=DateInput(), initial=_today)
    note = forms.CharField(label="Attempts made, or who declined and when", widget=forms.Textarea(attrs={"rows": 3}))
