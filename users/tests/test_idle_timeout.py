"""The idle timeout, with the clock moved: a session ends SESSION_IDLE_TIMEOUT seconds after the
last recorded activity, however long the person has been signed in. Activity is recorded at most
once a minute (config.middleware.SessionMiddleware), so a request within the minute writes nothing."""

from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
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


def test_the_default_idle_timeout_is_30_minutes_recorded_at_most_once_a_minute(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_ACTIVITY_INTERVAL == 60 and not settings.SESSION_SAVE_EVERY_REQUEST


def _session_writes(queries) -> list[str]:
    return [q["sql"] for q in queries if "django_session" in q["sql"] and not q["sql"].lstrip().upper().startswith("SELECT")]


def _expiry(client, settings):
    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value).expire_date


def test_a_request_within_the_minute_writes_no_session_row(signed_in_client, clock, settings):
    expiry = _expiry(signed_in_client, settings)
    for _ in range(3):
        clock.advance(seconds=19)  # 57 s after the activity recorded at sign-in
        with CaptureQueriesContext(connection) as queries:
            assert _signed_in(signed_in_client)
        assert _session_writes(queries.captured_queries) == []
    assert _expiry(signed_in_client, settings) == expiry


def test_a_request_after_the_minute_pushes_the_expiry_back_once(signed_in_client, clock, settings):
    expiry = _expiry(signed_in_client, settings)
    clock.advance(seconds=60)
    with CaptureQueriesContext(connection) as queries:
        assert _signed_in(signed_in_client)
    assert len(_session_writes(queries.captured_queries)) == 1
    assert _expiry(signed_in_client, settings) == expiry + timedelta(seconds=60)
    clock.advance(seconds=30)  # within the minute of that one: nothing written again
    with CaptureQueriesContext(connection) as queries:
        assert _signed_in(signed_in_client)
    assert _session_writes(queries.captured_queries) == []


def test_the_session_ends_at_most_the_timeout_after_the_last_request(signed_in_client, clock):
    """Activity recorded at sign-in, then a request 59 s later that records nothing: the session ends
    30 minutes after the recorded activity, 29 min 1 s after that last request, never later."""
    clock.advance(seconds=59)
    assert _signed_in(signed_in_client)
    clock.advance(minutes=29, seconds=1)
    assert not _signed_in(signed_in_client)


def test_signing_out_within_the_minute_ends_the_session_at_once(signed_in_client, clock, settings):
    key = signed_in_client.cookies[settings.SESSION_COOKIE_NAME].value
    clock.advance(seconds=10)
    assert signed_in_client.post(reverse("account_logout")).status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    assert not _signed_in(signed_in_client)


def test_a_changed_session_records_its_activity_within_the_minute(clock):
    """A session the view changed is saved anyway; its activity stamp goes with it, so the next
    minute is counted from that save."""
    from django.contrib.sessions.backends.db import SessionStore

    from core.sessions import ACTIVITY_KEY, session_activity_record

    session = SessionStore()
    session["x"] = 1
    session[ACTIVITY_KEY] = int(clock.now.timestamp())
    session.create()
    loaded = SessionStore(session.session_key)
    clock.advance(seconds=20)
    assert loaded["x"] == 1
    session_activity_record(loaded)
    assert not loaded.modified  # read only, within the minute: nothing to save
    loaded["x"] = 2
    session_activity_record(loaded)
    assert loaded[ACTIVITY_KEY] == int(clock.now.timestamp())


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


def test_the_session_cookie_ends_with_the_browser_and_carries_the_idle_age(signed_in_client, settings, clock):
    clock.advance(minutes=1)  # activity recorded again, so the cookie is set again
    response = signed_in_client.get(reverse("incidents:my_reports"))
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == "" and cookie["expires"] == ""  # a browser-session cookie
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
