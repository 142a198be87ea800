"""Who gets what from every URL: the table that test_permission_matrix.py holds the app to.

EXPECTED[name][role] is the answer to a GET of the URL filled with Riverside's record:
  200        the page                       LOGIN     redirect to sign-in
  403        refused (a role-only page)     404       not found (a record outside the reader's scope)
  REDIRECT   sent elsewhere (e.g. back to the page with a message)
  a tuple    any of these answers
EXPECTED_POST[name] is the answer to a POST, for the views in TAKES_POST: an empty one (refused after
the permission check, so 200/400/REDIRECT there means "let through to the form"), or the valid form
in POST_DATA where an empty one would be refused before the permission is asked. `page()` and
`action()` below fill these for a page and for a POST-only view.

Roles: anonymous, and the demo accounts staff, mso, director, cso, governance (all Riverside),
hillside_mso (another organisation: Riverside's records must be 404 to them) and registry_admin.

A record of another organisation asked for by a Riverside role must answer one of NOT_SHOWN,
unless OTHER_ORGANISATION says otherwise for that URL (national pages a registry role may see).

A new URL fails test_every_url_pattern_is_in_the_table until it is added here, with KWARGS
saying which record fills its URL. Set MATRIX_DISCOVER=1 to print what each role got.
"""

import os
import re
from collections import Counter
from dataclasses import dataclass

LOGIN = "login"
REDIRECT = "redirect"
MFA = "mfa-setup"
NOT_SHOWN = (404,)  # another organisation's record is not found: a 403 would confirm that it exists
DISCOVER = bool(os.environ.get("MATRIX_DISCOVER"))

ASKED: Counter = Counter()  # requests made by the matrix, by method, printed at the end of the run (conftest.py)

ROLE_ORDER = ["anonymous", "staff", "mso", "director", "cso", "governance", "hillside_mso", "registry_admin"]


def roles(anonymous=LOGIN, staff=200, mso=200, director=200, cso=200, governance=200, hillside_mso=200, registry_admin=200):
    return dict(anonymous=anonymous, staff=staff, mso=mso, director=director, cso=cso, governance=governance,
                hillside_mso=hillside_mso, registry_admin=registry_admin)  # fmt: skip


def only(*allowed, otherwise=403, anonymous=LOGIN, **special):
    """200 for the roles named, `otherwise` for the rest; `special` overrides single roles."""
    answers = {role: (200 if role in allowed else otherwise) for role in ROLE_ORDER}
    answers["anonymous"] = anonymous
    answers.update(special)
    return answers


# --- Namespace rules: whole families of URLs with one answer ------------------------------------


@dataclass
class Rule:
    why: str
    expected: object  # an answer, a tuple of answers, or a dict by role

    def url(self, pattern: str, kwarg_names) -> str:
        """A concrete URL for a pattern: each kwarg, a converter's or a regex group's, gets "1"."""
        path = re.sub(r"\(\?P<\w+>[^)]*\)", "1", pattern)
        path = re.sub(r"<(?:\w+:)?\w+>", "1", path)
        path = path.replace("^", "").replace("$", "")
        return "/" + path


ADMIN_RULE = Rule(
    "The admin site is for superusers only; no demo role is staff, so every admin URL sends them to sign in "
    "(the admin's login goes through allauth).",
    LOGIN,
)
ALLAUTH_RULE = Rule(
    "allauth's own sign-in, password, email and MFA pages: open to anonymous visitors or to the signed-in "
    "person about themselves only; they hold no organisation's records. Each page's answer to each role, "
    "GET and POST, is pinned in allauth_table.PINNED.",
    None,
)


ADMIN_LOGIN_RULE = Rule(
    "The admin's sign-in is allauth's (secure_admin_login): anonymous visitors are sent to sign in, and a "
    "signed-in person who is not staff is refused.",
    roles(**{role: 403 for role in ROLE_ORDER if role != "anonymous"}),
)
ADMIN_LOGOUT_RULE = Rule("Signing out of the admin shows nothing: everyone is sent on.", REDIRECT)


API_TOKEN_RULE = Rule(
    "The API (api/v1/) answers to an API client's token only, never to a browser's session: every demo role, "
    "signed in or not, gets 401 problem details. What each client may do, by scope, kind and organisation, is "
    "api/tests/test_permission_matrix.py's table.",
    roles(**{role: 401 for role in ROLE_ORDER}),
)
API_OPEN = {"api:schema", "api:docs"}


def namespace_rule(name: str, pattern: str) -> Rule | None:
    if pattern.replace("^", "").startswith("api/v1/") and name not in API_OPEN:
        return API_TOKEN_RULE
    if name == "admin:login":
        return ADMIN_LOGIN_RULE
    if name == "admin:logout":
        return ADMIN_LOGOUT_RULE
    if name.startswith("admin:") or pattern.startswith("admin/"):
        return ADMIN_RULE
    if pattern.startswith("accounts/"):
        return ALLAUTH_RULE
    return None


# --- Which record fills each URL's kwargs ------------------------------------------------------
# objects: the organisation's records made by world.build_world; organisation: the Organisation.

def _api_client_of(organisation):
    """A client of the organisation, made by a local administrator of it (the world has none)."""
    from api.models import ApiClient
    from api.services import api_client_create
    from mso_registry.models import Role, RoleAssignment
    from users.models import User

    client = ApiClient.objects.filter(organisation=organisation).first()
    if client is None:
        admin, _ = User.objects.get_or_create(email=f"api-admin@{organisation.ods_code.lower()}.example")
        RoleAssignment.objects.get_or_create(user=admin, organisation=organisation, role=Role.LOCAL_ADMIN)
        client, _ = api_client_create(actor=admin, organisation=organisation, name="Matrix feed", scopes=["incidents:read"])
    return client


KWARGS = {
    "api:client_revoke": lambda o, org: {"pk": _api_client_of(org).pk},
    # mso_registry
    "mso_registry:directory_export": lambda o, org: {"file_format": "csv"},
    "mso_registry:change_request_decide": lambda o, org: {"pk": o["change_request"].pk, "decision": "accept"},
    "mso_registry:person_detail": lambda o, org: {"pk": o["person"].pk},
    "mso_registry:handover_detail": lambda o, org: {"pk": o["handover"].pk},
    "mso_registry:handover_transition": lambda o, org: {"pk": o["handover"].pk, "action": "cancel"},
    "mso_registry:handover_item_update": lambda o, org: {"pk": o["handover_item"].pk},
    "mso_registry:communication_detail": lambda o, org: {"pk": o["communication"].pk},
    "mso_registry:communication_send": lambda o, org: {"pk": o["communication"].pk},
    "mso_registry:communication_export": lambda o, org: {"pk": o["communication"].pk, "file_format": "csv"},
    "mso_registry:communication_acknowledge": lambda o, org: {"pk": o["communication_copy"].pk, "state": "received"},
    "mso_registry:organisation_detail": lambda o, org: {"ods_code": org.ods_code},
    "mso_registry:organisation_edit": lambda o, org: {"ods_code": org.ods_code},
    "mso_registry:organisation_confirm": lambda o, org: {"ods_code": org.ods_code},
    "mso_registry:handover_start": lambda o, org: {"ods_code": org.ods_code},
    "mso_registry:role_end": lambda o, org: {"ods_code": org.ods_code, "pk": o["role_assignment"].pk},
    "mso_registry:cso_registration_verify": lambda o, org: {"pk": o["cso"].pk},
    "mso_registry:cso_training_verify": lambda o, org: {"pk": o["cso_training"].pk},
    # clinical_safety
    "clinical_safety:system_create": lambda o, org: {"ods_code": org.ods_code},
    **{
        f"clinical_safety:{name}": (lambda o, org: {"pk": o["system"].pk})
        for name in ["system_detail", "system_edit", "hazard_create", "hazard_log_csv", "hazard_log_xlsx",
                     "hazard_log_issue", "hazard_log_import", "safety_case_create"]
    },  # fmt: skip
    "clinical_safety:hazard_detail": lambda o, org: {"pk": o["hazard"].pk},
    "clinical_safety:hazard_edit": lambda o, org: {"pk": o["hazard"].pk},
    **{
        f"clinical_safety:{name}": (lambda o, org: {"pk": o["hazard_log_version"].pk})
        for name in ["hazard_log_version_detail", "hazard_log_version_json", "hazard_log_version_pdf"]
    },
    **{
        f"clinical_safety:{name}": (lambda o, org: {"pk": o["safety_case"].pk})
        for name in ["safety_case_detail", "safety_case_pdf", "safety_case_edit", "safety_case_submit",
                     ]
    },  # fmt: skip
    "clinical_safety:safety_case_decide": lambda o, org: {"pk": o["submitted_safety_case"].pk},
    # board_reports: Riverside's (or Hillside's) draft report for last month
    **{
        f"board_reports:{name}": (lambda o, org: {"pk": o["board_report"].pk})
        for name in ["report_detail", "report_pdf", "report_narrative", "report_issue", "report_acknowledge"]
    },  # fmt: skip
    # incidents
    "incidents:escalation_acknowledge": lambda o, org: {"pk": o["escalation"].pk},
    "incidents:dashboard_export": lambda o, org: {"file_format": "csv"},
    "incidents:bulletin_detail": lambda o, org: {"pk": o["bulletin"].pk},
    "incidents:bulletin_publish": lambda o, org: {"pk": o["bulletin"].pk},
    **{
        f"incidents:{name}": (lambda o, org: {"reference": o["incident"].reference})
        for name in ["incident_detail", "incident_receipt", "incident_transition", "incident_grade",
                     "incident_learning", "incident_action_add", "incident_feedback", "incident_escalate",
                     "candour_detail", "candour_in_person", "candour_letter", "candour_letter_pdf",
                     "candour_findings", "candour_not_possible", "response_commission"]
    },  # fmt: skip
    "incidents:incident_action_done": lambda o, org: {"reference": o["incident"].reference, "pk": o["action"].pk},
    "incidents:incident_action_reassign": lambda o, org: {"reference": o["incident"].reference, "pk": o["action"].pk},
    "incidents:action_detail": lambda o, org: {"pk": o["action"].pk},
    "incidents:plan_rule_retire": lambda o, org: {"pk": o["plan_rule"].pk},
    **{
        f"incidents:{name}": (lambda o, org: {"pk": o["learning_response"].pk})
        for name in ["response_detail", "response_actions", "response_complete"]
    },
}

# --- The answers -------------------------------------------------------------------------------
# Riverside's staff member is the reporter of Riverside's incident and the person of person_detail;
# Riverside's incident is severe, so it is escalated to the board director; the bulletin is a draft;
# the clinical safety records belong to Riverside's CSO; a handover of Riverside is open.

EXPECTED: dict[str, dict] = {}
EXPECTED_POST: dict[str, dict] = {}
TAKES_POST: set[str] = set()
OTHER_ORGANISATION: dict[str, tuple] = {}
# A valid form for the POSTs where an empty one would be refused before the permission is asked.
POST_DATA: dict = {}


def page(name, get, post=None):
    """A page that shows on GET; `post` (if the view takes POSTs) is the answer to an empty POST."""
    EXPECTED[name] = get
    if post is not None:
        TAKES_POST.add(name)
        EXPECTED_POST[name] = post


def action(name, post, data=None):
    """A POST-only view: GET is 405 for anyone signed in (sign-in comes first)."""
    EXPECTED[name] = roles(**{role: 405 for role in ROLE_ORDER if role != "anonymous"})
    EXPECTED_POST[name] = post
    TAKES_POST.add(name)
    if data is not None:
        POST_DATA[name] = data


ORGANISATION_READERS = ("staff", "mso", "director", "cso", "governance", "registry_admin")
RECORD_KEEPERS = ("mso", "director", "registry_admin")  # can_edit_organisation / can_start_handover
CLINICAL_READERS = ("mso", "director", "cso", "governance")  # clinical_safety.permissions.READER_ROLES


def record_keepers(answer=200):
    """The organisation's MSO and director and the registry administrator; other Riverside roles are
    refused, and Hillside's MSO is told the organisation is not there."""
    return only(*RECORD_KEEPERS, hillside_mso=404, **{r: answer for r in RECORD_KEEPERS})


def clinical(editor=200, readers=403, **special):
    """A Riverside system's record: the CSO edits, the other readers are refused, the rest get 404."""
    answers = only("cso", otherwise=404, cso=editor, **{r: readers for r in CLINICAL_READERS if r != "cso"})
    answers.update(special)
    return answers


# Everyone signed in; health is open (the load balancer's probe).
page("home", roles())
page("health", roles(anonymous=200))

# --- incidents
page("incidents:incident_report", roles(registry_admin=403), post=roles(registry_admin=403))  # a national role reports for no organisation
page("incidents:incident_follow_up", roles(anonymous=200), post=roles(anonymous=200))  # the anonymous reporter's code
page("incidents:my_reports", roles())
for name in ("review_queue", "review_queue_csv", "review_queue_xlsx"):
    page(f"incidents:{name}", only("mso", "hillside_mso"))
page("incidents:escalation_list", only("director"))
action("incidents:escalation_acknowledge", only("director", otherwise=404, director=REDIRECT),
       data={"comment": "Seen; the board will discuss it."})  # fmt: skip
page("incidents:dashboard", only("mso", "director", "hillside_mso"))
page("incidents:dashboard_export", only("mso", "director", "hillside_mso"))  # each their own organisation's
page("incidents:national_dashboard", only("registry_admin"))
page("lfpse:submission_rates", only("registry_admin"))
page("incidents:bulletin_list", roles(registry_admin=403))
page("incidents:bulletin_create", only("mso", "hillside_mso"), post=only("mso", "hillside_mso"))
page("incidents:bulletin_detail", only("mso", otherwise=404))  # a draft: only its writers see it
action("incidents:bulletin_publish", only("mso", otherwise=404, mso=REDIRECT))
# The reporter and the board director (the incident is escalated) read it; only the MSO team acts on it.
INCIDENT_READERS = only("staff", "mso", "director", otherwise=404)
page("incidents:incident_detail", INCIDENT_READERS)
page("incidents:incident_receipt", INCIDENT_READERS)
action("incidents:incident_transition", {**INCIDENT_READERS, "staff": 403, "director": 403, "mso": REDIRECT},
       data={"transition": "start_review"})  # fmt: skip
for name in ("incident_grade", "incident_learning", "incident_action_add", "incident_feedback", "incident_escalate"):
    # An empty form: the MSO gets it back with its errors (400); the others are refused before the form.
    action(f"incidents:{name}", {**INCIDENT_READERS, "staff": 403, "director": 403, "mso": 400})
action("incidents:incident_action_done", {**INCIDENT_READERS, "staff": 403, "director": 403, "mso": REDIRECT})
action("incidents:incident_action_reassign", {**INCIDENT_READERS, "staff": 403, "director": 403, "mso": REDIRECT})
# An action's own page: its owner (here the MSO) and the MSO team; nobody else learns it exists.
page("incidents:action_detail", only("mso", otherwise=404), post=only("mso", otherwise=404, mso=400))
# The duty of candour record: the MSO team only; the reporter and director, who may read the incident, are refused.
CANDOUR_KEEPERS = {**INCIDENT_READERS, "staff": 403, "director": 403}
page("incidents:candour_detail", CANDOUR_KEEPERS)
page("incidents:candour_letter_pdf", {**CANDOUR_KEEPERS, "mso": (200, REDIRECT)})  # REDIRECT: a server without Pango
for name in ("candour_in_person", "candour_letter", "candour_findings", "candour_not_possible"):
    action(f"incidents:{name}", {**CANDOUR_KEEPERS, "mso": 400})  # an empty form comes back with its errors
# PSIRF: the plan, learning responses and the thematic view are the MSO team's, each of their own organisation.
MSO_TEAMS = only("mso", "hillside_mso")
page("incidents:response_plan", MSO_TEAMS, post={**MSO_TEAMS, "mso": 400, "hillside_mso": 400})
action("incidents:plan_rule_retire", only("mso", otherwise=404, mso=REDIRECT))
page("incidents:response_list", MSO_TEAMS)
page("incidents:response_detail", only("mso", otherwise=404), post=only("mso", otherwise=404, mso=REDIRECT))
action("incidents:response_actions", only("mso", otherwise=404, mso=400))
action("incidents:response_complete", only("mso", otherwise=404, mso=REDIRECT))  # refused: no findings yet
action("incidents:response_commission", {**CANDOUR_KEEPERS, "mso": 400})
page("incidents:thematic", MSO_TEAMS, post={**MSO_TEAMS, "mso": 400, "hillside_mso": 400})

# --- the monthly medication safety report (a draft: the MSO writes and issues it; the director reads it)
page("board_reports:report_list", only("mso", "director", "hillside_mso"))
page("board_reports:national_spc", only("registry_admin"))
page("board_reports:report_detail", only("mso", "director", otherwise=404))
page("board_reports:report_pdf", only("mso", "director", otherwise=404, mso=(200, REDIRECT), director=(200, REDIRECT)))
# An empty narrative is saved (REDIRECT); issuing with none is refused with a message (REDIRECT); a
# draft cannot be acknowledged (403); another organisation's report is 404.
action("board_reports:report_narrative", only(otherwise=404, mso=REDIRECT, director=403))
action("board_reports:report_issue", only(otherwise=404, mso=REDIRECT, director=403))
action("board_reports:report_acknowledge", only(otherwise=404, mso=403, director=403))
# Prepare last month's draft: the MSO or deputy of the organisation named; another's is 404.
action("board_reports:report_prepare", only(otherwise=404, mso=REDIRECT, director=403),
       data=lambda o, org: {"organisation": org.pk})  # fmt: skip

# --- the MSO registry
page("mso_registry:organisation_list", roles())  # each sees only the organisations they hold a role in
page("mso_registry:directory_export", only("registry_admin"))
page("mso_registry:organisation_import", only("registry_admin"), post=only("registry_admin"))
page("mso_registry:change_request_list", only("registry_admin"))
action("mso_registry:change_request_decide", only("registry_admin", registry_admin=REDIRECT, hillside_mso=404))
page("mso_registry:cso_register", roles())  # scoped to the reader's organisations by its selector
# The registry administrator or the CSO's governance team verifies a CSO's claims; never the CSO.
CSO_VERIFIERS = only("governance", "registry_admin", hillside_mso=404, governance=REDIRECT, registry_admin=REDIRECT)
action("mso_registry:cso_registration_verify", CSO_VERIFIERS)
action("mso_registry:cso_training_verify", CSO_VERIFIERS)
PERSON_READERS = only(*ORGANISATION_READERS, otherwise=404)
page("mso_registry:person_detail", PERSON_READERS,
     post={**PERSON_READERS, "staff": REDIRECT, "mso": REDIRECT, "director": REDIRECT, "registry_admin": REDIRECT,
           "cso": 403, "governance": 403})  # themselves, the record keepers and the registry; fmt: skip
page("mso_registry:handover_detail", PERSON_READERS)
action("mso_registry:handover_transition", record_keepers(REDIRECT))
action("mso_registry:handover_item_update", record_keepers(REDIRECT),
       data=lambda o, org: {f"item{o['handover_item'].pk}-done": "on", f"item{o['handover_item'].pk}-evidence": "Done."})
page("mso_registry:communication_list", roles())  # each sees the copies their organisations received
page("mso_registry:communication_create", only("registry_admin"), post=only("registry_admin"))
page("mso_registry:communication_detail", only("mso", "director", "hillside_mso", "registry_admin", otherwise=404))
action("mso_registry:communication_send", only("registry_admin", registry_admin=REDIRECT))  # already sent: a message
page("mso_registry:communication_export", only("registry_admin"))
# The MSO (or deputy) answers for the organisation; the director reads only.
action("mso_registry:communication_acknowledge", only("mso", otherwise=404, mso=REDIRECT, director=403))
page("mso_registry:organisation_detail", PERSON_READERS, post=record_keepers())  # POST assigns a role
page("mso_registry:organisation_edit", record_keepers(), post=record_keepers())
action("mso_registry:organisation_confirm", record_keepers(REDIRECT))
page("mso_registry:handover_start", record_keepers(REDIRECT), post=record_keepers(REDIRECT))  # one is already open
# GET asks "End this role?"; an empty POST (no confirmation) is sent back to that question.
page("mso_registry:role_end", record_keepers(), post=record_keepers(REDIRECT))

# --- the API: its schema and documentation are open; clients are made by a local administrator (none
# among the demo roles) or, national ones, by the registry administrator. Another's client is not found.
page("api:schema", roles(anonymous=200))
page("api:docs", roles(anonymous=200))
page("api:client_list", only("registry_admin"), post=only("registry_admin", registry_admin=400))
action("api:client_revoke", only(otherwise=404))

# --- clinical safety
page("clinical_safety:system_list", only(*CLINICAL_READERS, "hillside_mso"))
page("clinical_safety:system_create", only("cso", hillside_mso=404), post=only("cso", hillside_mso=404))
for name in ("system_detail", "hazard_log_csv", "hazard_log_xlsx", "hazard_log_version_detail",
             "hazard_log_version_json", "hazard_log_version_pdf", "safety_case_detail", "safety_case_pdf"):
    page(f"clinical_safety:{name}", clinical(readers=200))
page("clinical_safety:hazard_detail", clinical(readers=200), post=clinical())  # POST adds a control: the CSO only
for name in ("system_edit", "hazard_create", "hazard_edit", "hazard_log_issue", "hazard_log_import",
             "safety_case_create", "safety_case_edit"):
    page(f"clinical_safety:{name}", clinical(), post=clinical())
action("clinical_safety:safety_case_submit", clinical(editor=REDIRECT))
# Governance decides; the CSO who wrote it may not, nor may the other readers.
action("clinical_safety:safety_case_decide", clinical(editor=403, governance=REDIRECT),
       data={"decision": "approve", "comments": "Matrix decision."})  # fmt: skip


def format_seen(seen: dict) -> str:
    lines = ["# What each role got (MATRIX_DISCOVER=1):"]
    for key, answers in sorted(seen.items()):
        lines.append(f"{key!r}: {{{', '.join(f'{r!r}: {answers[r]!r}' for r in ROLE_ORDER if r in answers)}}},")
    return "\n".join(lines)

