"""Form fields every app shares: dates a calendar can go on from, and text of a length a person writes.

Django checks that a date exists, not that the day after it does: a filter's "to" date becomes the
start of the next day, and 31 December 9999 has none (an OverflowError, a server error). Every date
a person types is kept to EARLIEST_DATE..LATEST_DATE, with a message that says so.
"""

from datetime import date

import django_filters
from django import forms
from django.core.exceptions import ValidationError

from .widgets import DateInput, PlainSelect

EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)

# Maximum lengths of free text: a long narrative (what happened, the learning, a hazard's description;
# 10,000 characters is about 1,500 words) and a note or comment. The database columns are unbounded
# TextFields, so the form is where the limit lives.
NARRATIVE_MAX = 10_000
NOTE_MAX = 4_000


def _long_date(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


class CalendarDateField(forms.DateField):
    """A date between EARLIEST_DATE and LATEST_DATE, refused in words otherwise."""

    def __init__(self, *, earliest: date = EARLIEST_DATE, latest: date = LATEST_DATE, **kwargs):
        kwargs.setdefault("widget", DateInput())
        kwargs["error_messages"] = {"invalid": "Enter a real date, for example 17 3 2026.", **kwargs.get("error_messages", {})}
        super().__init__(**kwargs)
        self.earliest, self.latest = earliest, latest
        self.widget.attrs.update(min=earliest.isoformat(), max=latest.isoformat())

    def validate(self, value):
        super().validate(value)
        if value and not self.earliest <= value <= self.latest:
            raise ValidationError(
                f"Enter a date between {_long_date(self.earliest)} and {_long_date(self.latest)}.", code="out_of_range"
            )


class CalendarDateFilter(django_filters.DateFilter):
    """django-filter's DateFilter with the same bounds: a list filtered by it never fails on a date."""

    field_class = CalendarDateField


class LimitedCharField(forms.CharField):
    """Text with a maximum length, refused with the limit and the length in words. A textarea gets no
    `maxlength` attribute: a browser would silently cut text pasted into it, and what a person wrote
    is never lost; they are told to shorten it and get it all back."""

    def __init__(self, *, max_length: int, **kwargs):
        super().__init__(max_length=max_length, **kwargs)

    def validate(self, value):
        super().validate(value)
        if value and len(value) > self.max_length:
            raise ValidationError(
                f"This is {len(value):,} characters long; shorten it to {self.max_length:,} or fewer.", code="max_length"
            )

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if isinstance(widget, forms.Textarea):
            attrs.pop("maxlength", None)
        return attrs


class _RowChoiceIterator(forms.models.ModelChoiceIterator):
    """The choices as (pk, label) from plain rows of the fields the label needs, not model instances."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        rows = self.field.rows if self.field.rows is not None else self.queryset.values_list("pk", *self.field.label_fields)
        for pk, *values in rows:
            yield (pk, self.field.label_from_values(*values))

    def __len__(self):  # list() asks first; without rows Django counts the queryset (another query)
        if self.field.rows is None:
            return super().__len__()
        return len(self.field.rows) + (self.field.empty_label is not None)


class RowModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField for long lists (a trust's people): its options are built from plain rows and
    written without a template per option (PlainSelect), while the chosen value is still checked
    against the queryset and cleaned to the model instance as usual. `label_fields` are the fields
    `label_from_values` is called with, in order. A page that lists the same people more than once reads
    their rows once and gives them to each field as `rows`, (pk, *label_fields) rows of the queryset."""

    iterator = _RowChoiceIterator
    widget = PlainSelect
    rows = None

    def __init__(self, *, label_fields: tuple[str, ...], label_from_values, **kwargs):
        super().__init__(**kwargs)
        self.label_fields, self.label_from_values = label_fields, label_from_values
