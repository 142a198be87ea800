"""{{ form|crispy_cached }}: crispy's HTML for a form with no data, each field's part kept per process under
a fingerprint of everything it is made from: the form's class, prefix and ids, the language, and the field's
label, help text, flags, widget, attributes, initial value and choices. The incident page draws six such
forms for every reader, and crispy's templates (a template per field, per radio button) were a third of its
CPU. Only a field whose value is the record's own (a title made from the reference) is drawn each time.
A form with data (errors to show) or with a crispy layout of its own is always drawn by crispy whole.
{{ field|crispy_field_cached }} is crispy's as_crispy_field for one field, kept the same way unless the field
has errors to show: a filter form is bound to the query string, and its fields' values are in the fingerprint."""

import hashlib
from collections import OrderedDict

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field, as_crispy_form
from crispy_forms.templatetags.crispy_forms_utils import remove_spaces
from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

KEEP = 2048  # fields per process; a fingerprint that changed (a new person, a regrade) simply misses
_kept: OrderedDict[str, str] = OrderedDict()


def _plain(value):
    """Values as text, so that the fingerprint never holds an object's address (ModelChoiceIteratorValue)."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return sorted((str(k), _plain(v)) for k, v in value.items())
    return str(value)


def field_fingerprint(bound) -> str:
    form, field, widget = bound.form, bound.field, bound.field.widget
    parts = [
        type(form).__module__, type(form).__qualname__, form.prefix, form.auto_id, form.label_suffix, get_language(),
        form.is_bound, form.use_required_attribute,
        bound.name, str(field.label), str(field.help_text), field.required, field.disabled, field.show_hidden_initial,
        type(widget).__module__, type(widget).__qualname__, _plain(widget.attrs), _plain(bound.value()),
        _plain([choice for choice in field.choices]) if hasattr(field, "choices") else None,  # noqa: C416 - list() would count first
    ]  # fmt: skip
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _field_html(bound) -> str:
    key = field_fingerprint(bound)
    html = _kept.get(key)
    if html is None:
        html = _kept[key] = as_crispy_field(bound)
        if len(_kept) > KEEP:
            _kept.popitem(last=False)
    else:
        try:
            _kept.move_to_end(key)
        except KeyError:  # a threaded server's other request let it go meanwhile: it is drawn, all the same
            pass
    return html


@register.filter
def crispy_cached(form):
    if form.is_bound or hasattr(form, "helper"):
        return as_crispy_form(form)
    # The fields joined as crispy's bootstrap5/uni_form.html joins them, in its {% specialspaceless %} and the
    # lines around it: the same bytes (tested).
    joined = "".join(f"\n        {_field_html(bound)}\n    " for bound in form)
    return mark_safe(f"\n\n{remove_spaces(joined.strip())}\n")  # noqa: S308 - each part is crispy's own escaped HTML


@register.filter
def crispy_field_cached(bound):
    if bound.errors or hasattr(bound.form, "helper"):
        return as_crispy_field(bound)
    return _field_html(bound)
