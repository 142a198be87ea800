from django import forms

from core.forms import LimitedCharField

from .services import NARRATIVE_MAX


class NarrativeForm(forms.Form):
    narrative = LimitedCharField(
        max_length=NARRATIVE_MAX, required=False, label="Your narrative for the board",
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="What the board should take from this month: the signals, what is being done, what you need from them.",
    )


class ReportAcknowledgeForm(forms.Form):
    comment = LimitedCharField(
        max_length=2000, required=False, label="Your comment (optional)", widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What you have noted or will take to the board.",
    )
