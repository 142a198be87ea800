"""The lists, filters and downloads the fuzzer drives with hostile query strings (test_fuzzed_forms.py).

Each is a GET with a valid baseline of its filters: the fuzzer replaces some of them with hostile
values (dates at the ends of the calendar among them) and adds parameters of its own. A download is
read to its end, so an error while streaming it is found too."""

from django.urls import reverse

from .fuzz import FormCase
from .fuzz import iso_day as _today


def _queue(w) -> dict:
    return {"status": "submitted", "physical_harm": "severe", "stage": "administering", "high_alert": "yes",
            "red_flag": "yes", "submitted_from": _today(-30), "submitted_to": _today(), "department": "Ward",
            "sort": "newest", "page": "1"}  # fmt: skip


def _directory(w) -> dict:
    return {"q": "Riverside", "region": "london", "organisation_type": "nhs_trust", "icb": "", "vacant": "on",
            "no_board_director": "", "stale": "", "page": "1"}  # fmt: skip


def _tracking(w) -> dict:
    return {"state": "outstanding", "region": "london", "q": "R9R", "page": "1"}


def _period(w) -> dict:
    return {"date_from": _today(-365), "date_to": _today(), "department": "Ward"}


def _page(w) -> dict:
    return {"page": "2"}


def _list(name, role, url, baseline, **options):
    return FormCase(name, role, url, baseline, method="GET", accepted_renders=True, **options)


LIST_CASES = [
    _list("review queue filters", "mso", lambda w: reverse("incidents:review_queue"), _queue),
    _list("review queue CSV", "mso", lambda w: reverse("incidents:review_queue_csv"), _queue),
    _list("review queue Excel", "mso", lambda w: reverse("incidents:review_queue_xlsx"), _queue),
    _list("incident dashboard filters", "mso", lambda w: reverse("incidents:dashboard"),
          lambda w: {"organisation": "R9R", "date_from": _today(-30), "date_to": _today(), "department": "Ward"}),
    _list("board director's dashboard", "director", lambda w: reverse("incidents:dashboard"), _period),
    # A download names its organisation: one that is not the reader's is not found.
    _list("dashboard CSV", "director", lambda w: reverse("incidents:dashboard_export", args=["csv"]), _period,
          not_found_for="organisation"),
    _list("dashboard Excel", "mso", lambda w: reverse("incidents:dashboard_export", args=["xlsx"]), _period,
          not_found_for="organisation"),
    _list("national dashboard", "registry_admin", lambda w: reverse("incidents:national_dashboard"), _page),
    _list("my reports", "staff", lambda w: reverse("incidents:my_reports"), _page),
    _list("escalations", "director", lambda w: reverse("incidents:escalation_list"), _page),
    _list("learning bulletins", "staff", lambda w: reverse("incidents:bulletin_list"), _page),
    _list("directory filters", "registry_admin", lambda w: reverse("mso_registry:organisation_list"), _directory),
    _list("directory CSV", "registry_admin", lambda w: reverse("mso_registry:directory_export", args=["csv"]), _directory),
    _list("directory Excel", "registry_admin", lambda w: reverse("mso_registry:directory_export", args=["xlsx"]), _directory),
    _list("change requests", "registry_admin", lambda w: reverse("mso_registry:change_request_list"),
          lambda w: {"status": "all", "page": "1"}),
    _list("communications", "mso", lambda w: reverse("mso_registry:communication_list"), _page),
    _list("communication tracking filters", "registry_admin",
          lambda w: reverse("mso_registry:communication_detail", args=[w["communication"].pk]), _tracking),
    _list("communication tracking CSV", "registry_admin",
          lambda w: reverse("mso_registry:communication_export", args=[w["communication"].pk, "csv"]), _tracking),
    _list("health IT systems", "cso", lambda w: reverse("clinical_safety:system_list"), _page),
    _list("hazard log page", "cso", lambda w: reverse("clinical_safety:system_detail", args=[w["system"].pk]), _page),
    _list("CSO register", "mso", lambda w: reverse("mso_registry:cso_register"), _page),
]
