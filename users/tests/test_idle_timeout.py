"""The idle timeout, with the clock moved: a session ends SESSION_IDLE_TIMEOUT seconds after the
last request (every request renews it), however long the person has been signed in."""

from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self):
        self.now = timezone.now()

    def advance(self, **delta):
        self.now += timedelta(**delta)


@pytest.fixture
def clock():
    """timezone.now() under our control; the database session store reads expiry through it."""
    clock = Clock()
    with mock.patch("django.utils.timezone.now", side_effect=lambda: clock.now):
        yield clock


def _signed_in(client) -> bool:
    response = client.get(reverse("incidents:my_reports"))
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("account_login"))
        return False
    assert response.status_code == 200
    return True


@pytest.fixture
def signed_in_client(client, riverside_staff, clock):
    response = client.post(reverse("account_login"), {"login": riverside_staff.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert _signed_in(client)
    return client


def test_the_default_idle_timeout_is_30_minutes(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_SAVE_EVERY_REQUEST


def test_a_session_ends_after_30_minutes_without_activity(signed_in_client, clock):
    clock.advance(minutes=30, seconds=1)
    assert not _signed_in(signed_in_client)
    # and staying away longer does not bring it back
    clock.advance(hours=5)
    assert not _signed_in(signed_in_client)


def test_a_session_with_activity_lasts_as_long_as_the_activity(signed_in_client, clock):
    # Six requests 29 minutes apart: almost three hours signed in, never 30 minutes idle.
    for _ in range(6):
        clock.advance(minutes=29)
        assert _signed_in(signed_in_client)
    clock.advance(minutes=31)
    assert not _signed_in(signed_in_client)


def test_the_timeout_follows_the_setting(signed_in_client, clock, settings):
    """SESSION_IDLE_TIMEOUT sets SESSION_COOKIE_AGE; a shorter one takes effect from the next request."""
    settings.SESSION_COOKIE_AGE = 10 * 60
    assert _signed_in(signed_in_client)  # renews the session with the new age
    clock.advance(minutes=9)
    assert _signed_in(signed_in_client)
    clock.advance(minutes=10, seconds=1)
    assert not _signed_in(signed_in_client)


def test_the_session_cookie_ends_with_the_browser_and_carries_the_idle_age(signed_in_client, settings):
    response = signed_in_client.get(reverse("incidents:my_reports"))
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == "" and cookie["expires"] == ""  # a browser-session cookie
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
