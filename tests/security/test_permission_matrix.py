"""Every URL pattern, every demo role, Riverside's records and Hillside's: the answer each gets.

The test walks the whole URLconf (`get_resolver()`, recursively, admin and allauth included), so
a new view cannot be forgotten: a pattern that is not in `permission_table.EXPECTED` (or covered
by one of its namespace rules) fails the test with what to add. For each pattern it fills the
URL's kwargs with a Riverside record, GETs it (and POSTs an empty form to the views that take
POSTs) as each role, and compares the answer with the table. Then it asks again for the Hillside
record as each Riverside role: a record of another organisation must never be shown (404, or the
sign-in page, or the same refusal as for one's own).

Each request runs in a savepoint that is rolled back, so the world is the same for every request.
"""

import copy
import re

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from . import permission_table as table
from .world import ROLES, build_world

pytestmark = pytest.mark.django_db

RIVERSIDE_ROLES = ["staff", "mso", "director", "cso", "governance"]


def url_patterns(resolver=None, prefix="", namespace=""):
    """(full pattern, namespaced name, kwarg names) for every pattern in the URLconf."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from url_patterns(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
            pattern = prefix + str(entry.pattern)
            yield pattern, name, sorted(set(entry.pattern.regex.groupindex) | set(getattr(entry.pattern, "converters", {})))


def _answer(response) -> str | int:
    if response.status_code in (301, 302):
        location = response["Location"]
        if location.startswith(("/accounts/login/", "/admin/login/")):
            return table.LOGIN
        if location.startswith("/accounts/2fa/totp/activate/"):
            return table.MFA
        return table.REDIRECT
    return response.status_code


class Roles:
    """One signed-in test client per demo role; each request in a rolled-back savepoint."""

    def __init__(self):
        from users.models import User

        self.clients = {}
        for role, email in ROLES.items():
            client = Client(raise_request_exception=False)
            if email:
                client.force_login(User.objects.get(email=email))
            self.clients[role] = client

    def ask(self, role, method, url, data=None):
        table.ASKED[method] += 1
        client = self.clients[role]
        cookies = copy.deepcopy(client.cookies)
        with transaction.atomic():
            response = client.get(url) if method == "GET" else client.post(url, data or {})
            transaction.set_rollback(True)
        client.cookies = cookies  # a sign-out page must not sign the role out for the next request
        return response


def _url(name, pattern, kwarg_names, records):
    rule = table.namespace_rule(name, pattern)
    if rule is not None:
        return rule.url(pattern, kwarg_names)
    if not kwarg_names:
        return reverse(name)
    return reverse(name, kwargs=table.KWARGS[name](records.objects, records.organisation))


def _refusal_logged(records, url) -> bool:
    path = url.split("?")[0]
    return any(r.name == "medsafety.security" and f" {path} " in r.getMessage() for r in records)


def _post_data(name, records):
    data = table.POST_DATA.get(name)
    return data(records.objects, records.organisation) if callable(data) else data


def test_every_url_pattern_is_in_the_table():
    missing = []
    for pattern, name, kwarg_names in url_patterns():
        if table.namespace_rule(name, pattern) is not None:
            continue
        if name not in table.EXPECTED:
            missing.append(f"{name or '(unnamed)'}  ({pattern})")
        elif kwarg_names and name not in table.KWARGS:
            missing.append(f"{name}: KWARGS has no entry to fill {kwarg_names}")
    assert not missing, (
        "These URL patterns are not in tests/security/permission_table.py. Add each to EXPECTED with the "
        "answer every demo role must get (and to KWARGS to say which record fills its URL):\n  " + "\n  ".join(missing)
    )


def test_no_table_entry_is_left_for_a_url_that_is_gone():
    names = {name for _, name, _ in url_patterns()}
    stale = sorted(set(table.EXPECTED) - names)
    assert not stale, f"permission_table.EXPECTED names URLs that no longer exist: {stale}"


def test_each_role_gets_the_expected_answer_from_every_url(caplog):
    """...and every 403 and 404 among the answers is written to the security log."""
    caplog.set_level("WARNING", logger="medsafety.security")
    world = build_world()
    riverside, hillside = world["R9R"], world["R9H"]
    roles = Roles()
    wrong, seen, unlogged = [], {}, []
    for pattern, name, kwarg_names in url_patterns():
        rule = table.namespace_rule(name, pattern)
        expected = rule.expected if rule else table.EXPECTED.get(name)
        if expected is None and table.DISCOVER:
            expected = ()  # nothing matches: every answer is printed
        if expected is None:
            continue  # reported by test_every_url_pattern_is_in_the_table
        url = _url(name, pattern, kwarg_names, riverside)
        takes_post = rule or name in table.TAKES_POST or table.DISCOVER
        for method in ("GET", "POST") if takes_post else ("GET",):
            wanted = expected if method == "GET" or rule else table.EXPECTED_POST.get(name, expected)
            data = _post_data(name, riverside) if method == "POST" else None
            for role in ROLES:
                logged = len(caplog.records)
                response = roles.ask(role, method, url, data)
                answer = _answer(response)
                if response.status_code in (403, 404) and not _refusal_logged(caplog.records[logged:], url):
                    unlogged.append(f"{method} {url} as {role} ({response.status_code})")
                seen.setdefault(f"{name} {method}", {})[role] = answer
                allowed = wanted[role] if isinstance(wanted, dict) else wanted
                if answer not in (allowed if isinstance(allowed, tuple) else (allowed,)):
                    wrong.append(f"{method} {url} ({name}) as {role}: got {answer!r}, table says {allowed!r}")

            # Another organisation's record, asked for by each Riverside role: never shown.
            if kwarg_names and not rule:
                other = _url(name, pattern, kwarg_names, hillside)
                if other == url:
                    continue  # a national record (a communication) is the same URL for everyone
                other_data = _post_data(name, hillside) if method == "POST" else None
                for role in RIVERSIDE_ROLES:
                    answer = _answer(roles.ask(role, method, other, other_data))
                    allowed = table.OTHER_ORGANISATION.get(name, table.NOT_SHOWN)
                    if method == "GET" and isinstance(expected, dict) and expected.get(role) == 405:
                        allowed = (*allowed, 405)  # a POST-only view says so before it looks anything up
                    seen.setdefault(f"{name} {method} other", {})[role] = answer
                    if answer not in allowed:
                        wrong.append(
                            f"{method} {other} ({name}, Hillside's record) as Riverside {role}: got {answer!r}, "
                            f"must be one of {allowed!r}"
                        )
    if wrong and table.DISCOVER:
        print(table.format_seen(seen))
    assert not wrong, f"{len(wrong)} answer(s) differ from the permission table:\n  " + "\n  ".join(wrong)
    assert not unlogged, "Refusals not written to the medsafety.security log:\n  " + "\n  ".join(unlogged)


def test_a_refused_request_is_logged_for_security_review(client, riverside_staff, hillside, caplog):
    from incidents.tests.conftest import report_values
    from incidents import services

    incident, _ = services.incident_report(
        reporter=riverside_staff, organisation=riverside_staff.role_assignments.first().organisation, **report_values()
    )
    stranger_incident_url = reverse("incidents:incident_detail", args=[incident.reference])
    from tests.factories import RoleAssignmentFactory, UserFactory
    from mso_registry.models import Role

    stranger = UserFactory(email="mso@hillside.example")
    RoleAssignmentFactory(user=stranger, organisation=hillside, role=Role.MSO)
    client.force_login(stranger)
    with caplog.at_level("WARNING", logger="medsafety.security"):
        assert client.get(stranger_incident_url).status_code == 404
        assert client.get(reverse("incidents:review_queue_csv")).status_code == 200  # their own queue: not logged
        client.force_login(riverside_staff)
        assert client.get(reverse("incidents:review_queue")).status_code == 403
    records = [r for r in caplog.records if r.name == "medsafety.security"]
    assert len(records) == 2, [r.getMessage() for r in records]
    assert re.search(rf"Refused 404: GET {stranger_incident_url} \(view incidents:incident_detail\) for user \d+ <mso@hillside.example>", records[0].getMessage())
    assert "Refused 403: GET /incidents/review/" in records[1].getMessage()
    assert "staff@riverside.example" in records[1].getMessage()


def test_a_path_that_matches_no_url_is_not_logged_as_a_refusal(client, caplog):
    with caplog.at_level("WARNING", logger="medsafety.security"):
        assert client.get("/wp-admin/setup.php").status_code == 404
    assert not [r for r in caplog.records if r.name == "medsafety.security"]
