"""Forms of the duty of candour record: input only; the services decide what is allowed."""

from django import forms
from django.utils import timezone

from core.forms import NARRATIVE_MAX, NOTE_MAX, CalendarDateField, LimitedCharField

from .models import CandourReason


def _today():
    return timezone.localdate()


class ToldInPersonForm(forms.Form):
    relevant_person = LimitedCharField(
        label="Who was told", max_length=120,
        help_text="The patient, or the person acting for them, e.g. “the patient's daughter”. No name is needed.",
    )
    told_on = CalendarDateField(label="Date told in person", initial=_today)
    told_by = LimitedCharField(label="Told by (name and role)", max_length=200)
    apology_given = forms.BooleanField(
        label="An apology was given", required=False,
        help_text="Regulation 20 requires an apology as part of telling them.",
    )
    note = LimitedCharField(label="What was said, and any support offered", max_length=NOTE_MAX,
                            widget=forms.Textarea(attrs={"rows": 3}))


class LetterForm(forms.Form):
    letter_text = LimitedCharField(
        label="Written notification", max_length=NARRATIVE_MAX, widget=forms.Textarea(attrs={"rows": 16}),
        help_text="Drafted from the incident's facts; edit it in plain English before sending. "
                  "It never names the reporter or other patients.",
    )
    sent_on = CalendarDateField(label="Date sent", required=False, help_text="Only when recording the letter as sent.")

    def clean(self):
        data = super().clean()
        if self.data.get("send") and not data.get("sent_on") and "sent_on" not in self.errors:
            self.add_error("sent_on", "Give the date the letter was sent.")
        return data


class FindingsForm(forms.Form):
    shared_on = CalendarDateField(label="Date the findings were shared", initial=_today)
    note = LimitedCharField(label="What was shared and how", max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3}))


class NotPossibleForm(forms.Form):
    reason = forms.ChoiceField(label="Why they could not be told", choices=CandourReason.choices, widget=forms.RadioSelect)
    recorded_on = CalendarDateField(label="Date of the decision", initial=_today)
    note = LimitedCharField(label="Attempts made, or who declined and when", max_length=NOTE_MAX,
                            widget=forms.Textarea(attrs={"rows": 3}))
