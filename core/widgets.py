"""Date and time inputs that show a stored value in the one format the browser's control accepts, and a
<select> that renders many options cheaply.

Django renders a date in the first of the locale's DATE_INPUT_FORMATS (en-GB: 28/11/2026), which an
<input type="date"> cannot show: it displays an empty box, and saving the form erases the value. The
HTML controls take only ISO forms, so every form uses these widgets. The fields still parse the
locale's forms too (Django adds the ISO ones to the input formats).
"""

import datetime

from django import forms
from django.utils.html import format_html
from django.utils.safestring import mark_safe

DATE_FORMAT = "%Y-%m-%d"
TIME_FORMAT = "%H:%M"
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _with_seconds(value, format: str) -> str:
    # Minutes are what people type; seconds are kept only when a stored value has them, so that
    # saving an untouched form never changes it.
    if isinstance(value, (datetime.time, datetime.datetime)) and (value.second or value.microsecond):
        return format + ":%S"
    return format


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATE_FORMAT)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=TIME_FORMAT)

    def format_value(self, value):
        if isinstance(value, datetime.time):
            return value.strftime(_with_seconds(value, TIME_FORMAT))
        return super().format_value(value)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATETIME_FORMAT)

    def format_value(self, value):
        # DateTimeField.prepare_value has already made it naive in the current time zone.
        if isinstance(value, datetime.datetime):
            return value.strftime(_with_seconds(value, DATETIME_FORMAT))
        return super().format_value(value)


def _attributes(attrs: dict) -> str:
    # As django/forms/widgets/attrs.html writes them: False left out, True bare, anything else as text.
    return "".join(
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
        for name, value in attrs.items() if value is not False
    )


class PlainSelect(forms.Select):
    """A <select> written in Python: the same HTML as Django's select.html, without a template per
    option. A trust's people are an option each in an action's owner list, hundreds of them, and
    the template per option was the biggest cost of the incident page."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"', widget["name"]), _attributes(widget["attrs"]), ">"]
        for group_name, options, _ in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            for option in options:
                parts.append(format_html('\n  <option value="{}"{}>{}</option>\n', option["value"],
                                         mark_safe(_attributes(option["attrs"])), option["label"]))
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value above went through format_html
