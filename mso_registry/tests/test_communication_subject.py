"""A communication's email subject names its kind once, even when the title already starts with it."""

import pytest
from django.core import mail

from mso_registry.models import NationalCommunication
from mso_registry.services import communication_create, communication_send

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "title, subject",
    [
        ("Medication Safety Update: December 2026", "Medication Safety Update: December 2026"),
        ("medication safety update – December", "medication safety update – December"),
        ("Insulin names", "Medication Safety Update: Insulin names"),
    ],
)
def test_the_subject_does_not_repeat_the_kind(registry_admin, riverside, title, subject, django_capture_on_commit_callbacks):
    update = communication_create(
        actor=registry_admin, kind=NationalCommunication.Kind.SAFETY_UPDATE, title=title, body="This month.",
    )
    with django_capture_on_commit_callbacks(execute=True):
        communication_send(actor=registry_admin, communication=update)
    [message] = mail.outbox
    assert message.subject.endswith(subject) and "Update: Medication Safety Update" not in message.subject
    assert message.body.startswith(subject)
