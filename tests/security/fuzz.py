"""The hostile values the form fuzzer types, and how it judges what came back.

Every value is one of: a hand-picked attack (script and HTML, SQL fragments, template syntax,
control characters with NUL, right-to-left overrides, combining marks, emoji, 100,000 characters),
random Unicode text (control characters included, surrogates left out: a browser cannot send them),
a date from year 1 to 9999, or a number far outside any field's range. Wrong NHS number check
digits and malformed ODS codes are among the attacks."""

import os
import re
from collections import Counter
from datetime import date

from django.contrib import messages as django_messages
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

# How many inputs each form was sent, for the README; printed at the end of the run (conftest.py).
TRIED: Counter = Counter()

# 25 inputs a form keeps the suite to a few minutes; FUZZ_EXAMPLES=500 searches deeper.
FUZZ_SETTINGS = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", 25)),
    deadline=None,
    database=None,  # nothing written under .hypothesis/
    phases=[Phase.explicit, Phase.generate],  # a failure is reported as found: shrinking a web request is slow
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

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
