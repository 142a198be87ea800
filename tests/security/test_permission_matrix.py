"""Every URL pattern, every demo role, Riverside's records and Hillside's: the answer each gets.

The test walks the whole URLconf (`get_resolver()`, recursively, admin and allauth included), so
a new view cannot be forgotten: a pattern that is not in `permission_table.EXPECTED` (or covered
by one of its namespace rules) fails the test with what to add. For each pattern it fills the
URL's kwargs with a Riverside record, GETs it (and POSTs an empty form to the views that take
POSTs) as each role, and compares the answer with the table (allauth's pages with allauth_table.py).
Then it asks again for the Hillside record as each Riverside role: a record of another organisation
is not found (404), whoever asks, and Hillside's MSO gets 404 for each of Riverside's. Wherever a
page refuses a role, its POST is refused too. Every answer a Riverside role or a signed-out visitor
gets (page, download, PDF, headers) is searched for the markers planted in Hillside's text (world.py).

Each request runs in a savepoint that is rolled back, so the world is the same for every request.
"""

import copy
import io
import re

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from . import allauth_table
from . import permission_table as table
from .world import MARKER, ROLES, build_world

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
        rule = table.namespace_rule(name, pattern)
        if rule is table.ALLAUTH_RULE:
            missing += [f"allauth_table.PINNED has no ({pattern!r}, {method!r})  ({name})"
                        for method in ("GET", "POST") if (pattern, method) not in allauth_table.PINNED]  # fmt: skip
        if rule is not None:
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
    patterns = {pattern for pattern, _, _ in url_patterns()}
    stale = sorted(pattern for pattern, _ in allauth_table.PINNED if pattern not in patterns)
    assert not stale, f"allauth_table.PINNED names URL patterns that no longer exist: {stale}"


REFUSED = (403, 404, table.LOGIN, table.MFA)


def _allowed(wanted, role) -> tuple:
    allowed = wanted[role] if isinstance(wanted, dict) else wanted
    return allowed if isinstance(allowed, tuple) else (allowed,)


def _expected_for(name, pattern, method, rule):
    """What each role must get: the table's row, or for allauth's pages the answer pinned per page,
    method and role in allauth_table.py (a blanket "200, 400, redirect..." would let anything through)."""
    if rule is table.ALLAUTH_RULE:
        return allauth_table.PINNED.get((pattern, method))
    if rule:
        return rule.expected
    if name not in table.EXPECTED:
        return None
    return table.EXPECTED[name] if method == "GET" else table.EXPECTED_POST.get(name, table.EXPECTED[name])


def test_each_role_gets_the_expected_answer_from_every_url(caplog):
    """...and every 403 and 404 among the answers is written to the security log; no page a Riverside
    role or a signed-out visitor receives holds any of Hillside's text; another organisation's record
    is a 404, never a 403 that confirms it exists; a POST is refused wherever the page is."""
    caplog.set_level("WARNING", logger="medsafety.security")
    world = build_world()
    riverside, hillside = world["R9R"], world["R9H"]
    roles = Roles()
    wrong, seen, unlogged, leaks = [], {}, [], []

    def ask(role, method, url, data, name):
        logged = len(caplog.records)
        response = roles.ask(role, method, url, data)
        if response.status_code in (403, 404) and not _refusal_logged(caplog.records[logged:], url):
            unlogged.append(f"{method} {url} as {role} ({response.status_code})")
        if role in NOT_HILLSIDE and MARKER.lower() in _everything_in(response).lower():
            leaks.append(f"{method} {url} ({name}) as {role}: " + _around_marker(_everything_in(response)))
        return _answer(response)

    for pattern, name, kwarg_names in url_patterns():
        rule = table.namespace_rule(name, pattern)
        if rule is None and name not in table.EXPECTED and not table.DISCOVER:
            continue  # reported by test_every_url_pattern_is_in_the_table
        url = _url(name, pattern, kwarg_names, riverside)
        other = _url(name, pattern, kwarg_names, hillside) if kwarg_names and not rule else url
        takes_post = rule or name in table.TAKES_POST or table.DISCOVER
        for method in ("GET", "POST") if takes_post else ("GET",):
            wanted = _expected_for(name, pattern, method, rule)
            if wanted is None and not table.DISCOVER:
                wrong.append(f"{method} {url} ({pattern}): no answer pinned; run with MATRIX_DISCOVER=1 and pin it")
                continue
            data = _post_data(name, riverside) if method == "POST" else None
            for role in ROLES:
                answer = ask(role, method, url, data, name)
                seen.setdefault((pattern, name, method), {})[role] = answer
                allowed = _allowed(wanted, role) if wanted is not None else ()
                if role == "hillside_mso" and other != url and answer not in (404, 405):
                    wrong.append(f"{method} {url} ({name}) as hillside_mso: got {answer!r}; Riverside's record must "
                                 "be not found (404) to another organisation, never a refusal that confirms it")  # fmt: skip
                elif answer not in allowed:
                    wrong.append(f"{method} {url} ({name or pattern}) as {role}: got {answer!r}, must be {allowed!r}")
                got_on_get = seen.get((pattern, name, "GET"), {}).get(role)
                if method == "POST" and got_on_get in REFUSED and answer not in (*REFUSED, 405):
                    wrong.append(f"POST {url} ({name or pattern}) as {role}: the page refuses them ({got_on_get!r}) "
                                 f"but the POST got {answer!r}")  # fmt: skip

            # Another organisation's record, asked for by each Riverside role: not found, whoever asks.
            if other != url:
                other_data = _post_data(name, hillside) if method == "POST" else None
                for role in RIVERSIDE_ROLES:
                    answer = ask(role, method, other, other_data, name)
                    allowed = table.OTHER_ORGANISATION.get(name, table.NOT_SHOWN)
                    if method == "GET" and table.EXPECTED.get(name, {}).get(role) == 405:
                        allowed = (*allowed, 405)  # a POST-only view says so before it looks anything up
                    seen.setdefault((pattern, name, f"{method} other"), {})[role] = answer
                    if answer not in allowed:
                        wrong.append(
                            f"{method} {other} ({name}, Hillside's record) as Riverside {role}: got {answer!r}, "
                            f"must be one of {allowed!r}"
                        )
    if table.DISCOVER:
        print(table.format_seen({f"{name or pattern} {method}": answers for (pattern, name, method), answers in seen.items()}))
        print(allauth_table.format_pinned(seen))
    assert not wrong, f"{len(wrong)} answer(s) differ from the permission table:\n  " + "\n  ".join(wrong)
    assert not unlogged, "Refusals not written to the medsafety.security log:\n  " + "\n  ".join(unlogged)
    assert not leaks, f"{len(leaks)} answer(s) hold Hillside's text:\n  " + "\n  ".join(leaks)


# --- Hillside's text in an answer ------------------------------------------------------------------

NOT_HILLSIDE = ["anonymous", *RIVERSIDE_ROLES]  # the registry administrator and Hillside's MSO may see it


def _everything_in(response) -> str:
    """The headers and the body as text, whatever the format: HTML, CSV and JSON as they are, an XLSX's
    cells and a PDF's text read out of the file (both are compressed, so a marker would not show)."""
    if not hasattr(response, "_everything"):
        content = b"".join(response.streaming_content) if response.streaming else response.content
        kind = response.get("Content-Type", "")
        if kind.startswith("application/vnd.openxmlformats"):
            from openpyxl import load_workbook

            book = load_workbook(io.BytesIO(content), read_only=True)
            text = " ".join(str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row)
            text += " ".join(sheet.title for sheet in book.worksheets)
        elif kind.startswith("application/pdf"):
            from pypdf import PdfReader

            text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
        else:
            text = content.decode("utf-8", errors="replace")
        response._everything = " ".join(f"{k}: {v}" for k, v in response.items()) + "\n" + text
    return response._everything


def _around_marker(text: str) -> str:
    at = text.lower().index(MARKER.lower())
    return repr(text[max(0, at - 80) : at + 60])


def test_hillsides_text_is_planted_where_the_matrix_would_see_it_leak():
    """The leak check can fail: Hillside's own MSO sees the markers on Hillside's pages, and the check
    finds them in a page, a CSV, an Excel file and a PDF."""
    world = build_world()
    hillside = world["R9H"].objects
    roles = Roles()
    pages = [
        reverse("incidents:incident_detail", args=[hillside["incident"].reference]),
        reverse("incidents:review_queue_csv"),
        reverse("incidents:review_queue_xlsx"),
        reverse("clinical_safety:hazard_detail", args=[hillside["hazard"].pk]),
        reverse("clinical_safety:hazard_log_version_pdf", args=[hillside["hazard_log_version"].pk]),
        reverse("mso_registry:handover_detail", args=[hillside["handover"].pk]),
    ]
    hillside_mso = roles.clients["hillside_mso"]  # not counted among the matrix's requests
    for url in pages:
        response = hillside_mso.get(url)
        if url.endswith(".pdf") and response.status_code == 302:
            continue  # a laptop without Pango is sent back with "PDF download is not available" (CI has Pango)
        assert response.status_code == 200, url
        assert MARKER.lower() in _everything_in(response).lower(), f"no marker on {url}"
    incident_page = hillside_mso.get(pages[0]).text
    for field in ["description", "learning_summary", "feedback", "grade_note", "medicine", "action", "department"]:
        assert f"{MARKER}-{field}" in incident_page, f"{field} is not on Hillside's incident page"


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
