from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from .models import Role

User = get_user_model()


class RoleAssignForm(forms.Form):
    email = forms.EmailField(label="Person's work email", help_text="They must already have a MedSafety Hub account.")
    role = forms.ChoiceField(choices=[(r.value, r.label) for r in Role if r != Role.REGISTRY_ADMIN])
    start_date = forms.DateField(
        initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"}), help_text="Today or earlier."
    )

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
