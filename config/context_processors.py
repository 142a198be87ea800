from functools import cache

from django.conf import settings
from django.urls import reverse

from clinical_safety.selectors import shows_clinical_safety_nav
from incidents import permissions as incident_permissions
from mso_registry.selectors import navigation_for

# The pages partials/nav_items.html links to: on one of them its item says so (aria-current).
NAV_URL_NAMES = (
    "mso_registry:organisation_list", "mso_registry:change_request_list", "mso_registry:communication_list",
    "incidents:incident_report", "incidents:my_reports", "incidents:review_queue", "incidents:response_list",
    "incidents:thematic", "incidents:response_plan", "incidents:escalation_list", "incidents:dashboard",
    "incidents:bulletin_list", "clinical_safety:system_list",
)  # fmt: skip


@cache
def _nav_paths() -> frozenset[str]:
    return frozenset(reverse(name) for name in NAV_URL_NAMES)


def _nav_key(nav: dict, path: str) -> str:
    """What the drawn navigation depends on: which items the roles show, and where the reader is, as the
    navigation sees it (one of its own pages, somewhere under Incidents, or elsewhere). The drawing is kept
    per process under this key (partials/nav_items.html), so an incident's own page reuses it."""
    flags = (bool(nav["organisations"]), nav["is_registry_admin"], nav["is_mso_team"], *nav["incidents"].values(),
             nav["clinical_safety"])
    where = path if path in _nav_paths() else ("/incidents/" if path.startswith("/incidents/") else "")
    return "".join("1" if flag else "0" for flag in flags) + where


def navigation(request):
    """The role-based navigation for base.html; empty for anonymous visitors."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": None, "signup_open": settings.SIGNUP_OPEN}
    nav = navigation_for(user)
    # Which incident pages the roles open, and whether they read clinical safety records: from the roles
    # already read for this request.
    nav["incidents"] = {
        "can_report": bool(incident_permissions.organisations_user_reports_for(user)),
        "can_review": bool(incident_permissions.review_organisation_ids(user)),
        "is_director": bool(incident_permissions.director_organisation_ids(user)),
        "can_see_dashboard": bool(incident_permissions.dashboard_organisation_ids(user)),
    }
    nav["clinical_safety"] = shows_clinical_safety_nav(user)
    nav["key"] = _nav_key(nav, request.path)
    return {"nav": nav, "signup_open": settings.SIGNUP_OPEN}
