"""The follow-up code throttle: wrong codes are limited per client address and per report, counted
atomically, and the client address is REMOTE_ADDR unless our own proxies are declared."""

import os
import threading

import pytest
from django.urls import reverse

from core.throttle import Window
from incidents.views import FOLLOW_UP_BY_ADDRESS, FOLLOW_UP_BY_REPORT

FOLLOW_UP = reverse("incidents:incident_follow_up")
WRONG = "AAAA-BBBB-CCCC"
TOO_MANY = "Too many codes"


def _try(client, incident, code, **headers):
    return client.post(FOLLOW_UP, {"reference": incident.reference, "code": code}, **headers)


def _read(client, incident, **headers) -> bool:
    """Whether the right code shows the report."""
    response = _try(client, incident, incident.follow_up_code, **headers)
    return response.context["incident"] is not None


@pytest.fixture
def reports(make_incident):
    """Three, so that wrong codes spread over them stop an address before any report's own limit."""
    return [make_incident(anonymous=True) for _ in range(3)]


def test_one_address_is_stopped_after_its_limit_of_wrong_codes(client, reports):
    second = reports[1]
    for n in range(FOLLOW_UP_BY_ADDRESS.limit):
        # Spread over both reports so that neither report's own limit is what stops it.
        response = _try(client, reports[n % 3], WRONG, REMOTE_ADDR="203.0.113.7")
        assert TOO_MANY not in response.text, n
    response = _try(client, second, second.follow_up_code, REMOTE_ADDR="203.0.113.7")
    assert response.context["incident"] is None and TOO_MANY in response.text
    # Another address is its own bucket.
    assert _read(client, second, REMOTE_ADDR="198.51.100.20")


def test_one_report_is_protected_whatever_address_the_guesses_come_from(client, reports):
    first, second = reports[:2]
    for n in range(FOLLOW_UP_BY_REPORT.limit):
        assert TOO_MANY not in _try(client, first, WRONG, REMOTE_ADDR=f"198.51.100.{n + 1}").text
    response = _try(client, first, first.follow_up_code, REMOTE_ADDR="192.0.2.99")
    assert response.context["incident"] is None and TOO_MANY in response.text
    # The other report is untouched, from any of those addresses.
    assert _read(client, second, REMOTE_ADDR="198.51.100.1")


def test_the_bucket_of_a_report_does_not_depend_on_how_its_reference_is_typed(client, make_incident):
    incident = make_incident(anonymous=True)
    for n in range(FOLLOW_UP_BY_REPORT.limit):
        reference = incident.reference.lower() if n % 2 else f"  {incident.reference} "
        client.post(FOLLOW_UP, {"reference": reference, "code": WRONG}, REMOTE_ADDR=f"198.51.100.{n + 1}")
    assert not _read(client, incident, REMOTE_ADDR="192.0.2.99")


def test_a_correct_code_uses_up_nothing(client, make_incident):
    incident = make_incident(anonymous=True)
    for _ in range(FOLLOW_UP_BY_ADDRESS.limit + 5):
        assert _read(client, incident, REMOTE_ADDR="203.0.113.7")
    for _ in range(FOLLOW_UP_BY_REPORT.limit - 1):
        _try(client, incident, WRONG, REMOTE_ADDR="203.0.113.7")
    assert _read(client, incident, REMOTE_ADDR="203.0.113.7")


def test_unconfigured_a_forwarded_for_header_is_ignored(client, reports, settings):
    """A client could write X-Forwarded-For itself: without declared proxies a new value each time
    must not give a new bucket."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    second = reports[1]
    for n in range(FOLLOW_UP_BY_ADDRESS.limit):
        _try(client, reports[n % 3], WRONG, REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    assert not _read(client, second, REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="192.0.2.200")


def test_behind_a_declared_proxy_two_clients_are_two_buckets(client, reports, settings):
    """Every request arrives from the proxy (one REMOTE_ADDR); the proxy appends each client's address."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    second = reports[1]
    for n in range(FOLLOW_UP_BY_ADDRESS.limit):
        # The client may prepend anything; only the entry our proxy appended counts.
        forwarded = f"192.0.2.{n}, 203.0.113.7"
        _try(client, reports[n % 3], WRONG, REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=forwarded)
    assert not _read(client, second, REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.7")
    assert _read(client, second, REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.20")


def test_a_declared_client_address_header_is_used(client, reports, settings):
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    second = reports[1]
    for n in range(FOLLOW_UP_BY_ADDRESS.limit):
        _try(client, reports[n % 3], WRONG, REMOTE_ADDR="10.0.0.5", HTTP_X_REAL_IP="203.0.113.7")
    assert not _read(client, second, REMOTE_ADDR="10.0.0.5", HTTP_X_REAL_IP="203.0.113.7")
    assert _read(client, second, REMOTE_ADDR="10.0.0.5", HTTP_X_REAL_IP="198.51.100.20")


def test_a_request_that_came_round_the_proxies_counts_by_its_own_address(client, make_incident, settings):
    """Fewer X-Forwarded-For entries than declared proxies: no server error, the peer is the address."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 2
    incident = make_incident(anonymous=True)
    assert _read(client, incident, REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="192.0.2.1")


@pytest.fixture(params=["local memory", "redis"])
def any_cache(request, settings):
    """The test cache, and the Redis that production uses (the broker's server, this run's database)."""
    if request.param == "redis":
        import redis

        from conftest import skip_or_fail

        url = os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/0"
        try:
            redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        except redis.RedisError:
            skip_or_fail(f"no Redis at {url}")
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}
    from django.core.cache import cache

    cache.delete_many([Window("test-concurrent", limit=1, seconds=1).key("203.0.113.7")])
    yield request.param


def test_concurrent_attempts_cannot_take_more_than_the_limit(any_cache):
    """The check and the count are one atomic step: 60 threads at once, 20 get through."""
    window = Window("test-concurrent", limit=20, seconds=60)
    start, results = threading.Barrier(60), []

    def attempt():
        start.wait()
        results.append(window.take("203.0.113.7"))

    threads = [threading.Thread(target=attempt) for _ in range(60)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 20 and len(results) == 60
    from django.core.cache import cache

    cache.delete(window.key("203.0.113.7"))


def test_the_window_forgets_its_count_when_it_ends(settings):
    from django.core.cache import cache

    window = Window("test-expiry", limit=2, seconds=60)
    assert window.take("a") and window.take("a") and not window.take("a")
    cache.delete(window.key("a"))  # what the expiry does
    assert window.take("a")
    window.give_back("b")  # nothing to give back: no error, and no negative credit
    assert window.take("b") and window.take("b") and not window.take("b")
