"""For tests that hold HTML written in Python to what a template wrote: the same markup, whatever the
whitespace between tags and inside text."""

import re


def without_layout(html) -> str:
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", str(html))).strip()
