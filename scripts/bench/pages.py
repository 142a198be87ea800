"""What each benchmarked page requests, shared by the locustfile and the single query-count pass."""

import random
import string
import urllib.parse
from datetime import timedelta

PATHS = {
    "minimal": "/bench/minimal/",
    "report_form_get": "/incidents/report/",
    "report_form_post": "/incidents/report/",
    "report_form_post_during_send": "/incidents/report/",
    "review_queue": "/incidents/review/",
    # Severe harm with a high-alert medicine: the filter an MSO uses before a committee.
    "review_queue_filtered": "/incidents/review/?physical_harm=severe&high_alert=yes",
    "trust_dashboard": "/incidents/dashboard/",
    "registry_directory": "/organisations/",
    "national_dashboard": "/incidents/national/",
    # The API beside the pages it mirrors (issue 20): the same 25 incidents a queue page shows, the 50
    # organisations a directory page shows.
    "api_incident_list": "/api/v1/incidents/?page_size=25",
    "api_directory": "/api/v1/directory/?page_size=50",
}
# API pages call with a client's token (run.py makes one per page), not a session.
API_TOKENS = {"api_incident_list": "organisation", "api_directory": "national"}
WHO = {
    "report_form_get": "staff", "report_form_post": "staff", "report_form_post_during_send": "staff", "review_queue": "mso", "review_queue_filtered": "mso",
    "incident_page": "mso", "trust_dashboard": "mso", "registry_directory": "registry", "hazard_log": "cso",
    "national_dashboard": "registry", "board_report": "mso",
}


def csrf_secret() -> str:
    # Django accepts the unmasked 32-character secret as the form token when it matches the cookie.
    return "".join(random.choices(string.ascii_letters + string.digits, k=32))


def report_form(organisation_id: int, token: str, rng: random.Random) -> bytes:
    from datetime import datetime

    when = datetime.now() - timedelta(hours=rng.randint(2, 48))
    fields = [
        ("csrfmiddlewaretoken", token), ("organisation", organisation_id),
        ("occurred_on", when.date().isoformat()), ("occurred_time", when.strftime("%H:%M")),
        ("department", "Ward 7 (Acute Medicine)"), ("stage", "administering"),
        ("error_types", "omitted_delayed"), ("physical_harm", "none"), ("psychological_harm", "none"),
        ("never_event", ""), ("description", "Morning dose given two hours late; ward stock ran out."),
        ("immediate_action", "Dose obtained from pharmacy."), ("contributing_factors", "task"),
        ("nhs_number", ""), ("wants_feedback", "on"),
        ("medicines-TOTAL_FORMS", "1"), ("medicines-INITIAL_FORMS", "0"),
        ("medicines-MIN_NUM_FORMS", "1"), ("medicines-MAX_NUM_FORMS", "10"),
        ("medicines-0-name", "Paracetamol"), ("medicines-0-route", "oral"), ("medicines-0-dose", "1 g"),
    ]
    return urllib.parse.urlencode(fields).encode()


def request_for(key: str, targets: dict, *, client: int, rng: random.Random, token: str | None = None):
    """(method, path, headers, body) for one request of this page by locust user number `client`."""
    role = WHO.get(key)
    cookies = {}
    if role:
        sessions = targets["sessions"][role]
        cookies[targets["session_cookie"]] = sessions[client % len(sessions)]
    headers = {}
    body = None
    method = "GET"
    if key == "incident_page":
        path = f"/incidents/{rng.choice(targets['references'])}/"
    elif key == "board_report":
        path = f"/board-reports/{targets['board_report_id']}/"
    elif key == "hazard_log":
        path = f"/clinical-safety/systems/{targets['system_id']}/"
    else:
        path = PATHS[key]
    if key in ("report_form_post", "report_form_post_during_send"):
        token = token or csrf_secret()
        cookies[targets["csrf_cookie"]] = token
        method = "POST"
        body = report_form(targets["organisation_id"], token, rng)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if key in API_TOKENS:
        headers["Authorization"] = f"Bearer {targets['api_tokens'][API_TOKENS[key]]}"
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    return method, path, headers, body
