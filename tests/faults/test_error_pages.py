"""The error pages a lost database leads to, through Django's own handlers (DEBUG off), without
any service: the fast half of test_postgres_restart, which runs everywhere."""

import pytest
from django.contrib.sessions.exceptions import SessionInterrupted
from django.core.exceptions import SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.urls import path

handler400 = "config.views.bad_request"
handler500 = "config.views.server_error"


def _database_gone(request):
    raise OperationalError("server closed the connection unexpectedly")


def _connection_already_closed(request):
    try:
        raise InterfaceError("connection already closed")
    except InterfaceError as error:
        raise RuntimeError("while rendering the page") from error


def _bug(request):
    raise ValueError("an ordinary bug")


def _session_not_saved(request):
    # What SessionMiddleware raises when the session cannot be saved because the database went away.
    try:
        raise OperationalError("terminating connection due to administrator command")
    except OperationalError as error:
        raise SessionInterrupted("The request's session was deleted before the request completed.") from error


def _suspicious(request):
    raise SuspiciousOperation("a forged header")


urlpatterns = [
    path("database-gone/", _database_gone),
    path("connection-closed/", _connection_already_closed),
    path("bug/", _bug),
    path("session-not-saved/", _session_not_saved),
    path("suspicious/", _suspicious),
]

pytestmark = pytest.mark.urls(__name__)


@pytest.fixture
def anonymous(client):
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize("url", ["/database-gone/", "/connection-closed/", "/session-not-saved/"])
def test_a_lost_database_gets_the_friendly_503_page_with_retry_after(anonymous, url, caplog):
    response = anonymous.get(url)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.content.decode()
    assert "briefly unavailable" in body and "your" in body and "reports" in body
    assert "press Send again; it will not be sent twice" in " ".join(body.replace("<strong>", "").split())
    assert "Traceback" not in body and "OperationalError" not in body
    assert "Database unavailable" in caplog.text  # logged for the people who run it


def test_any_other_error_gets_the_500_page(anonymous):
    response = anonymous.get("/bug/")
    assert response.status_code == 500
    assert "Sorry, something went wrong" in response.content.decode()
    assert "Retry-After" not in response


def test_a_bad_request_not_caused_by_the_database_stays_a_400(anonymous):
    response = anonymous.get("/suspicious/")
    assert response.status_code == 400
    assert "briefly unavailable" not in response.content.decode()
