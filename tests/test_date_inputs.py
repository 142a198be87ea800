"""Every form with a date or time field shows a stored value so that saving it unchanged keeps it.

A browser's <input type="date"> accepts only 2027-06-01: given 01/06/2027 (Django's en-GB default)
it shows an empty box and posts "", which erased hazards' review dates. This walks every form and
filter form of every app, renders it in edit mode with values, reads the values back out of the
HTML as a browser would (dropping what the control cannot hold) and checks they clean to the same
values.
"""

import importlib
import inspect
import re
from datetime import date, datetime, time
from html.parser import HTMLParser

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from clinical_safety.models import HealthITSystem
from clinical_safety.tests.conftest import cso, epma, hazard  # noqa: F401 - pytest fixtures
from incidents.models import MedicationIncident
from mso_registry.models import Organisation
from users.models import User

DATE_FIELDS = (forms.DateField, forms.TimeField, forms.DateTimeField)

# What a browser keeps of an input's value attribute (HTML "value sanitization algorithm").
VALID = {
    "date": re.compile(r"^\d{4,}-\d{2}-\d{2}$"),
    "time": re.compile(r"^\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$"),
    "datetime-local": re.compile(r"^\d{4,}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$"),
}


class PostedValues(HTMLParser):
    """The name=value pairs a browser would post for the rendered form, untouched by the user."""

    def __init__(self):
        super().__init__()
        self.data = MultiValueDict()
        self._textarea = self._select = None
        self._option_selected = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            if kind == "file":
                return
            value = attrs.get("value") or ""
            if kind in VALID and not VALID[kind].match(value):
                value = ""
            self.data.appendlist(name, value)
        elif tag == "textarea" and name:
            self._textarea = name
            self.data.appendlist(name, "")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.data.appendlist(self._select, attrs.get("value", ""))

    def handle_data(self, text):
        if self._textarea:
            values = self.data.getlist(self._textarea)
            values[-1] += text
            self.data.setlist(self._textarea, values)

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def _project_form_classes():
    """Every Form and ModelForm declared in a project app's forms.py, and every FilterSet's form."""
    found = []
    for config in apps.get_app_configs():
        if not str(config.path).startswith(str(settings.BASE_DIR)):
            continue
        for module_name in ("forms", "filters"):
            try:
                module = importlib.import_module(f"{config.name}.{module_name}")
            except ModuleNotFoundError:
                continue
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if cls.__module__ != module.__name__:
                    continue
                if issubclass(cls, forms.BaseForm) and cls is not forms.ModelForm:
                    found.append(cls)
                elif hasattr(cls, "get_form_class"):  # a django-filter FilterSet
                    found.append(cls(queryset=cls._meta.model.objects.none()).get_form_class())
    return found


def _dated_fields(cls) -> dict:
    return {name: field for name, field in cls.base_fields.items() if isinstance(field, DATE_FIELDS)}


def _sample(field, index: int):
    # Days above 12, so a day and month swapped would show; a time with seconds, which must survive too.
    if isinstance(field, forms.DateTimeField):
        return timezone.make_aware(datetime(2026, 11, 28, 14, 30))
    if isinstance(field, forms.DateField):
        return [date(2027, 6, 1), date(2026, 11, 28)][index % 2]
    return [time(14, 30), time(9, 5, 7)][index % 2]


def _constructor_kwargs(cls, riverside) -> dict:
    """Build the keyword arguments the form's __init__ asks for; a new one must be added here."""
    providers = {
        "organisation": lambda: riverside,
        "organisations": lambda: Organisation.objects.filter(pk=riverside.pk),
        "owners": lambda: User.objects.all(),
        "incident": lambda: None,
        "incidents": lambda: MedicationIncident.objects.none(),
        "system": lambda: _system(riverside),
    }
    kwargs = {}
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        for name, parameter in inspect.signature(init).parameters.items():
            if parameter.kind is parameter.KEYWORD_ONLY and parameter.default is parameter.empty:
                assert name in providers, f"{cls.__name__} needs `{name}`: add a provider to this test"
                kwargs.setdefault(name, providers[name]())
    return kwargs


def _system(riverside):
    return HealthITSystem.objects.create(
        organisation=riverside, name="EPMA", manufacturer="Example", version="1", standard="dcb0160",
        intended_use="Prescribing.", clinical_scope="Adults.",
    )


FORMS = [cls for cls in _project_form_classes() if _dated_fields(cls)]


def test_the_walk_finds_the_forms_with_dates():
    names = {cls.__name__ for cls in FORMS}
    assert {"HazardForm", "HazardControlForm", "RoleAssignForm", "TrainingForm", "IncidentReportForm",
            "ActionForm", "HandoverStartForm", "CommunicationForm", "DashboardFilterForm"} <= names


@pytest.mark.parametrize("form_class", FORMS, ids=lambda cls: f"{cls.__module__}.{cls.__qualname__}")
def test_an_edited_form_posts_its_dates_and_times_back_unchanged(form_class, riverside):
    values = {name: _sample(field, i) for i, (name, field) in enumerate(_dated_fields(form_class).items())}
    kwargs = _constructor_kwargs(form_class, riverside)
    if issubclass(form_class, forms.BaseModelForm):
        kwargs["instance"] = form_class._meta.model(**values)
    else:
        kwargs["initial"] = values

    posted = PostedValues()
    posted.feed(str(form_class(**kwargs)))
    bound = form_class(data=posted.data, **kwargs)

    for name, expected in values.items():
        field = bound[name]
        try:
            cleaned = field.field.clean(field.data)
        except forms.ValidationError as error:
            cleaned = error
        assert cleaned == expected, (
            f"{form_class.__name__}.{name}: rendered {posted.data.get(name)!r}, which posts back {cleaned!r}, not {expected}"
        )


# --- the two pages where people lost a date -----------------------------------------------------


def client_signed_in(client, user):
    client.force_login(user)
    return client


def _page_form_values(client, url) -> MultiValueDict:
    response = client.get(url)
    assert response.status_code == 200
    posted = PostedValues()
    posted.feed(response.content.decode())
    return posted.data


def test_saving_a_hazard_unchanged_keeps_its_review_date(client, hazard, cso):
    from clinical_safety.models import Hazard

    Hazard.objects.filter(pk=hazard.pk).update(review_date=date(2027, 6, 1))
    url = reverse("clinical_safety:hazard_edit", args=[hazard.pk])
    data = _page_form_values(client_signed_in(client, cso), url)
    assert data["review_date"] == "2027-06-01"

    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    hazard.refresh_from_db()
    assert hazard.review_date == date(2027, 6, 1)


def test_the_role_form_shows_todays_start_date(client, riverside_mso, riverside):
    data = _page_form_values(
        client_signed_in(client, riverside_mso), reverse("mso_registry:organisation_detail", args=[riverside.ods_code])
    )
    assert data["start_date"] == timezone.localdate().isoformat()


