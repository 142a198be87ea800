"""Written out in Python for speed, held to what Django writes: PlainSelect and RowModelChoiceField (core), the
same <select> from plain rows and the same validation as a ModelChoiceField; the dashboard's chart labels,
shortened as truncatechars does."""

import pytest
from django import forms

from core.forms import RowModelChoiceField
from core.widgets import PlainSelect
from incidents.forms import OWNER_LABEL_FIELDS, owner_label
from tests.factories import UserFactory
from tests.html import without_layout
from users.models import User



CHOICES = [("", "Choose"), ("1", 'Dr "A" <Shah> & Co'), ("2", "B Jones"), ("3", "C")]


@pytest.mark.parametrize("value", [None, "", "2", ["1", "3"]])
@pytest.mark.parametrize("attrs", [{}, {"id": "id_owner", "class": "form-select is-invalid", "required": True,
                                        "aria-describedby": "id_owner_error", "disabled": False}])
def test_plain_select_writes_what_django_s_templates_write(value, attrs):
    multiple = isinstance(value, list)
    django_widget = forms.SelectMultiple(choices=CHOICES) if multiple else forms.Select(choices=CHOICES)
    plain = PlainSelect(choices=CHOICES)
    plain.allow_multiple_selected = multiple
    expected = django_widget.render("owner", value, attrs=attrs)
    assert plain.render("owner", value, attrs=attrs) == expected
    assert "&lt;Shah&gt; &amp; Co" in expected


def test_plain_select_writes_option_groups_as_django_does():
    grouped = [("Pharmacy", [("1", "A"), ("2", "B")]), ("Wards", [("3", "C")])]
    assert PlainSelect(choices=grouped).render("g", "3") == forms.Select(choices=grouped).render("g", "3")


@pytest.mark.django_db
def test_row_model_choice_field_lists_rows_and_cleans_to_the_instance():
    named, unnamed, other = UserFactory(full_name="Dr Ada Lovelace"), UserFactory(full_name=""), UserFactory()
    people = User.objects.filter(pk__in=[named.pk, unnamed.pk]).order_by("pk")

    class OwnerForm(forms.Form):
        owner = RowModelChoiceField(queryset=people, empty_label="Choose the owner", label_fields=OWNER_LABEL_FIELDS,
                                    label_from_values=owner_label)

    class ModelOwnerForm(forms.Form):
        owner = forms.ModelChoiceField(queryset=people, empty_label="Choose the owner")

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["owner"].label_from_instance = lambda u: f"{u.get_full_name()} ({u.email})"

    assert without_layout(OwnerForm()["owner"]) == without_layout(ModelOwnerForm()["owner"])
    assert f"Dr Ada Lovelace ({named.email})" in str(OwnerForm()["owner"])
    assert f"{unnamed.email} ({unnamed.email})" in str(OwnerForm()["owner"])
    form = OwnerForm({"owner": str(named.pk)})
    assert form.is_valid() and form.cleaned_data["owner"] == named
    refused = OwnerForm({"owner": str(other.pk)})
    assert not refused.is_valid() and "owner" in refused.errors
    assert not OwnerForm({"owner": "not-a-number"}).is_valid()


@pytest.mark.parametrize("length", [34, 38])
def test_chart_labels_are_shortened_as_truncatechars_would(length):
    from django.template.defaultfilters import truncatechars

    from incidents.charts import shortened

    for label in ["", "Short", "x" * (length - 1), "y" * length, "z" * (length + 1),
                  "Contraindication or interaction with another medicine", "Wrong dose: overdose (é, ü)" * 3]:
        assert shortened(label, length) == truncatechars(label, length)
