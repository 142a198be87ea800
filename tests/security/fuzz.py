"""The hostile values the form fuzzer types, and how it judges what came back.

Every value is one of: a hand-picked attack (script and HTML, SQL fragments, template syntax,
control characters with NUL, right-to-left overrides, combining marks, emoji, 100,000 characters),
random Unicode text (control characters included, surrogates left out: a browser cannot send them),
a date from year 1 to 9999, or a number far outside any field's range. Wrong NHS number check
digits and malformed ODS codes are among the attacks."""

import math
import os
import re
import traceback
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Callable

from django.contrib import messages as django_messages
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

# How many inputs each form was sent, for the README; printed at the end of the run (conftest.py).
TRIED: Counter = Counter()


def examples_per_form(forms: int) -> int:
    """25 inputs a form keeps the suite to a few minutes; FUZZ_EXAMPLES=500 searches deeper per form, and
    FUZZ_INPUTS=100000 (`make fuzz`) shares that many inputs out over every form."""
    if os.environ.get("FUZZ_INPUTS"):
        return math.ceil(int(os.environ["FUZZ_INPUTS"]) / forms)
    return int(os.environ.get("FUZZ_EXAMPLES", 25))


def fuzz_settings(forms: int):
    return settings(
        max_examples=examples_per_form(forms),
        deadline=None,
        database=None,  # nothing written under .hypothesis/
        phases=[Phase.explicit, Phase.generate],  # a failure is reported as found: shrinking a web request is slow
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@dataclass(repr=False)
class FormCase:
    """A form (or a list's filters) and how to reach it: its page, the role that uses it, a valid baseline."""

    name: str
    role: str
    url: Callable
    baseline: Callable
    method: str = "POST"
    file_field: str = ""  # the baseline's value under this name is sent as an uploaded file
    accepted_renders: bool = False  # the view answers an accepted form with a page (200), not a redirect
    shows: Callable | None = None  # the page that shows what was stored, as (role, url)
    fuzz_file: Callable | None = None  # draw -> file content, for the upload forms
    not_found_for: str = ""  # a parameter naming a record: a value that is not one of the reader's is a 404

    def __repr__(self):
        return f"<form {self.name}>"


def iso_day(days: int = 0) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


# --- What went wrong, kept for the end of the run instead of stopping at the first -------------------


@dataclass
class Finding:
    kind: str  # "server error" (the view raised) or "unclear answer" (an assertion about the answer failed)
    where: str  # the innermost line of our own code in the traceback
    message: str
    example: str  # the first request that showed it
    count: int = 0


FINDINGS: dict[tuple, Finding] = {}
PROJECT = str(Path(__file__).resolve().parents[2]) + "/"


def record(case_name: str, error: BaseException, method: str, url: str, data: dict) -> Finding:
    """Counts a failure under (form, kind, place), so one bug found a thousand times is one line."""
    kind = "unclear answer" if isinstance(error, AssertionError) else "server error"
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith(PROJECT) and "/.venv/" not in f.filename]
    where = f"{frames[-1].filename.removeprefix(PROJECT)}:{frames[-1].lineno}" if frames else "?"
    message = f"{type(error).__name__}: {(str(error).splitlines() or [''])[0][:300]}"
    key = (case_name, kind, where)
    if key not in FINDINGS:
        shown = {k: (v[:80] + f"...({len(v)} chars)" if isinstance(v, str) and len(v) > 80 else v) for k, v in data.items()}
        FINDINGS[key] = Finding(kind, where, message, f"{method} {url} {shown!r}"[:600])
    FINDINGS[key].count += 1
    return FINDINGS[key]


def findings_for(case_name: str) -> list[str]:
    return [f"{f.kind} x{f.count} at {f.where}: {f.message}\n      e.g. {f.example}"
            for (name, *_), f in FINDINGS.items() if name == case_name]  # fmt: skip


def server_errors() -> int:
    return sum(f.count for f in FINDINGS.values() if f.kind == "server error")


def write_figures() -> None:
    """What the run has sent and found so far, to var/fuzz/latest.json (rewritten after each form and
    every 250 inputs, so a long `make fuzz` that is stopped still says how far it got)."""
    import json
    from datetime import UTC, datetime

    path = Path(PROJECT) / "var" / "fuzz" / "latest.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "updated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "inputs_sent": sum(TRIED.values()), "forms_and_lists": len(TRIED), "by_form": dict(TRIED),
        "server_errors": server_errors(),
        "findings": [{"form": name, "kind": f.kind, "where": f.where, "message": f.message, "count": f.count,
                      "example": f.example} for (name, *_), f in FINDINGS.items()],
    }, indent=2) + "\n")  # fmt: skip


# Markers that must never come back unescaped: each contains "alert(" so it cannot match our own HTML.
MARKUP = [
    "<script>alert('medsafety')</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(2)>",
    "javascript:alert(3)//<b>bold</b>",
]
ATTACKS = MARKUP + [
    "'; DROP TABLE incidents_medicationincident; --",
    "1' OR '1'='1",
    '" OR ""="',
    "%' AND 1=0 UNION SELECT password FROM users_user --",
    "{{ 7|add:7 }} {% debug %} ${7*7}",
    "../../../../etc/passwd",
    "\x00",
    "Ward\x00 7",
    "\x01\x02\x1b[31m\x7f",
    "line one\r\nSet-Cookie: stolen=1\r\n",
    "\u202eevil.exe\u202c",
    "Z\u0337\u0321a\u0336l\u0335g\u0338o\u0334",
    "\U0001d54d\U0001d556\U0001d555 \U0001f489\U0001f48a" * 10,
    "\ufeff\u200b\u200d",
    "A" * 100_000,
    "\U0001f642" * 5_000,
    " ",
    "",
    # Dates: impossible, far past, far future, other formats.
    "0001-01-01", "9999-12-31", "2026-02-30", "31/02/2026", "1900-01-01", "2026-13-01", "-2026-01-01",
    # Numbers: out of range and not numbers.
    "-1", "0", "99999999999999999999999", "1e309", "NaN", "3.5",
    # NHS numbers with a wrong check digit, too short, all zeros; ODS codes that are not.
    "9434765918", "943 476 5910", "123456789", "0000000000",
    "ZZZ999!!", "R9R'--", "r9r ", "R9R/../R9H",
    # Emails that are not.
    "not-an-email", "a@b", "mso@riverside.example\r\nBcc: all@nhs.example",
]
# A hostile ODS code or id: lets a record id or choice be replaced by garbage too.
ATTACK = st.sampled_from(ATTACKS)
RANDOM_TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=300)
FAR_DATES = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(date.isoformat)
BIG_NUMBERS = st.integers(min_value=-(10**30), max_value=10**30).map(str)
HOSTILE = st.one_of(ATTACK, ATTACK, RANDOM_TEXT, FAR_DATES, BIG_NUMBERS)


# Every name the app reads from a query string, and a few it does not: a hostile query string may
# carry any of them, repeated, to any page or form.
QUERY_NAMES = [
    "page", "sort", "status", "q", "state", "region", "organisation", "organisation_type", "icb", "vacant",
    "no_board_director", "stale", "submitted_from", "submitted_to", "date_from", "date_to", "department",
    "physical_harm", "stage", "high_alert", "red_flag", "next", "format", "csrfmiddlewaretoken",
]  # fmt: skip


def hostile_query(draw) -> dict:
    """One to three parameters with hostile values; a parameter may be repeated (?page=1&page=x)."""
    names = draw(st.lists(st.sampled_from(QUERY_NAMES), min_size=1, max_size=3, unique=True))
    return {name: draw(st.one_of(HOSTILE, st.lists(HOSTILE, min_size=2, max_size=3))) for name in names}


def hostile_form(draw, baseline: dict) -> tuple[dict, set]:
    """The valid baseline with some fields replaced by hostile values and some left out."""
    data = dict(baseline)
    names = sorted(baseline)
    chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=min(4, len(names)), unique=True))
    for name in chosen:
        if draw(st.integers(0, 9)) == 0:
            del data[name]  # a field the browser would have sent is missing
        else:
            data[name] = draw(HOSTILE)
    return data, set(chosen)


ERROR_SIGNS = ("invalid-feedback", "alert-danger", "There is a problem", "errorlist", "Too many", "too many")


def says_what_is_wrong(html: str) -> bool:
    return any(sign in html for sign in ERROR_SIGNS)


def error_messages(response) -> list[str]:
    """Error-level messages the view queued (they are shown on the page the redirect goes to)."""
    storage = getattr(response.wsgi_request, "_messages", None)
    queued = getattr(storage, "_queued_messages", [])
    return [str(m) for m in queued if m.level >= django_messages.ERROR]


def raw_markup_in(html: str, values) -> list[str]:
    """Any of our script/HTML markers that came back unescaped."""
    sent = " ".join(v for v in values if isinstance(v, str))
    return [marker for marker in MARKUP if marker in sent and marker in html]


def strip_to_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
