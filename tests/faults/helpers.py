"""What the fault tests share: how many reports a fault gets, and a valid red-flag report as the form posts it."""

import os

from incidents.tests.test_report_form import form_data

# Reports sent through each fault: 200 in `make test`; `make faults FAULT_REPORTS=1000` for a deeper run.
FAULT_REPORTS = int(os.environ.get("FAULT_REPORTS", 200))


def report_form(n: int = 0, **overrides) -> dict:
    """A report the form accepts, numbered so that each is told apart. Severe harm makes it a red
    flag: the MSO is emailed and the board director gets an escalation, so each report queues
    emails in the same transaction. Two medicines, so that a half-written report would show."""
    return form_data(
        department=f"Ward {n % 30 + 1}",
        description=f"Fault test report {n}: insulin 40 units given instead of 4 units.",
        **{
            "medicines-TOTAL_FORMS": "2",
            "medicines-1-name": "Glucose 10%",
            "medicines-1-route": "iv",
            "medicines-1-dose": "150 ml",
        },
        **overrides,
    )
