"""The allauth adapter: sign-in emails go through the outbox, sealed (the outbox and the admin
site never hold the link in clear, and forget it once sent), once per request however often it is
retried; sign-up is open or closed by SIGNUP_OPEN."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from notifications.models import Notification
from notifications.sealing import unseal
from tests.factories import TEST_PASSWORD, UserFactory
from users.models import User

pytestmark = pytest.mark.django_db

RESET = reverse("account_reset_password")
SIGNUP = reverse("account_signup")
RESET_LINK = re.compile(r"https?://[^/\s]+(/accounts/password/reset/key/[^\s\"'<]+)")
CONFIRM_LINK = re.compile(r"https?://[^/\s]+(/accounts/confirm-email/[^\s\"'<]+)")


@pytest.fixture
def person(db):
    return UserFactory(email="nurse@riverside.example", full_name="Sam Nurse")


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    """Run the request, then deliver what it queued (the on-commit tasks, in process)."""

    def run(request):
        with django_capture_on_commit_callbacks(execute=True):
            return request()

    return run


def _secret_free(row: Notification, secret: str):
    assert secret not in str(row.context) and secret not in row.sealed_context and secret not in row.idempotency_key


def test_a_password_reset_email_goes_through_the_outbox_sealed_and_its_link_resets(client, person, deliver):
    with django_capture_row() as rows:
        response = deliver(lambda: client.post(RESET, {"email": person.email}))
    assert response.status_code == 302
    sent = mail.outbox[0]
    path = RESET_LINK.search(sent.body).group(1)
    token = path.rstrip("/").rsplit("/", 1)[-1]
    # While it waited in the outbox, the row held no link in clear.
    (queued,) = rows
    assert queued["context"] == {} and queued["sealed_context"]
    assert token not in queued["sealed_context"] and path not in queued["sealed_context"]
    row = Notification.objects.get(recipient=person.email)
    assert row.status == Notification.Status.SENT and row.sealed_context == ""  # forgotten once sent
    _secret_free(row, token)
    assert sent.extra_headers["Message-ID"] == row.message_id

    # The link in the email works: it sets a new password.
    form = client.get(path)
    assert form.status_code == 302
    new_password = TEST_PASSWORD + "-changed"
    done = client.post(form["Location"], {"password1": new_password, "password2": new_password})
    assert done.status_code == 302
    person.refresh_from_db()
    assert person.check_password(new_password)


def test_the_admin_site_never_shows_a_reset_link(client, admin_client, person):
    client.post(RESET, {"email": person.email})  # queued; not sent, as when the mail server is slow
    row = Notification.objects.get(recipient=person.email)
    assert row.status == Notification.Status.PENDING
    path = RESET_LINK.search(unseal(row.sealed_context)["body_text"]).group(1)
    token = path.rstrip("/").rsplit("/", 1)[-1]
    for url in (reverse("admin:notifications_notification_changelist"),
                reverse("admin:notifications_notification_change", args=[row.pk])):
        page = admin_client.get(url).text
        assert person.email in page and token not in page and row.sealed_context not in page


def test_a_retried_reset_request_sends_once_and_a_new_request_sends_again(client, person, deliver):
    """A form sent twice (the same page, so the same CSRF form token) is one request; the form
    shown again and sent is another."""
    for _ in range(2):
        deliver(lambda: client.post(RESET, {"email": person.email, "csrfmiddlewaretoken": "form-shown-once"}))
    assert len(mail.outbox) == 1
    deliver(lambda: client.post(RESET, {"email": person.email, "csrfmiddlewaretoken": "form-shown-again"}))
    assert len(mail.outbox) == 2
    assert Notification.objects.filter(recipient=person.email, status=Notification.Status.SENT).count() == 2


def test_without_a_form_token_each_new_link_is_its_own_email(client, person, deliver, monkeypatch):
    """No form token (an API caller): the link allauth issued names the email, new each time."""
    from allauth.account import forms as allauth_forms

    tokens = iter(["first-token", "second-token"])
    monkeypatch.setattr(allauth_forms.default_token_generator, "make_token", lambda user: next(tokens))
    deliver(lambda: client.post(RESET, {"email": person.email}))
    deliver(lambda: client.post(RESET, {"email": person.email}))
    assert ["first-token" in m.body for m in mail.outbox] == [True, False]
    assert "second-token" in mail.outbox[1].body


def test_signup_when_open_sends_a_sealed_verification_email_whose_link_verifies(client, settings, deliver):
    settings.SIGNUP_OPEN = True
    email = "new.starter@riverside.example"
    with django_capture_row() as rows:
        response = deliver(lambda: client.post(SIGNUP, {"email": email, "password1": TEST_PASSWORD, "password2": TEST_PASSWORD}))
    assert response.status_code == 302
    user = User.objects.get(email=email)
    path = CONFIRM_LINK.search(mail.outbox[0].body).group(1)
    key = path.rstrip("/").rsplit("/", 1)[-1]
    (queued,) = rows
    assert queued["context"] == {} and key not in queued["sealed_context"]
    _secret_free(Notification.objects.get(recipient=email), key)
    assert not EmailAddress.objects.get(user=user).verified

    client.post(path)
    assert EmailAddress.objects.get(user=user).verified


def test_signup_when_closed_makes_no_account_and_sends_nothing(client, settings, deliver):
    settings.SIGNUP_OPEN = False
    email = "new.starter@riverside.example"
    response = deliver(lambda: client.post(SIGNUP, {"email": email, "password1": TEST_PASSWORD, "password2": TEST_PASSWORD}))
    assert "closed" in response.text.lower()
    assert not User.objects.filter(email=email).exists()
    assert not Notification.objects.exists() and mail.outbox == []


# --- what the outbox held while the email waited --------------------------------------------------


class django_capture_row:
    """The outbox rows as they were written (before delivery changed them)."""

    def __enter__(self):
        from django.db.models.signals import post_save

        self.rows = []

        def keep(sender, instance, created, **kwargs):
            if created:
                self.rows.append({"context": dict(instance.context), "sealed_context": instance.sealed_context})

        self._keep = keep
        post_save.connect(keep, sender=Notification, weak=False)
        return self.rows

    def __exit__(self, *exc):
        from django.db.models.signals import post_save

        post_save.disconnect(self._keep, sender=Notification)
