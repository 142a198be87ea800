"""Date and time inputs that show a stored value in the one format the browser's control accepts.

Django renders a date in the first of the locale's DATE_INPUT_FORMATS (en-GB: 28/11/2026), which an
<input type="date"> cannot show: it displays an empty box, and saving the form erases the value. The
HTML controls take only ISO forms, so every form uses these widgets. The fields still parse the
locale's forms too (Django adds the ISO ones to the input formats).
"""

import datetime

from django import forms

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
