"""Issue 15, points 3 and 4: the registry runs other apps' handover steps without importing them;
"Complete the handover" is offered only when it is allowed, and otherwise the page says when; the
leaver lands on a page that says what happened; messages name only the people emailed."""

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from mso_registry import handover_steps
from mso_registry.handover_steps import HandoverStepResult
from mso_registry.models import Handover, Role
from mso_registry.services import handover_complete, handover_completion_refusals, handover_start
from notifications.models import Notification
from tests.factories import RoleAssignmentFactory, UserFactory

TODAY = timezone.localdate()
REGISTRY = Path(__file__).resolve().parents[1]


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") in ("get_model", "import_module"):
            names.update(arg.value for arg in node.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str))
    return names


def test_the_registry_never_imports_incidents_or_clinical_safety():
    offenders = {
        f"{path.relative_to(REGISTRY.parent)}: {name}"
        for path in REGISTRY.rglob("*.py")
        if "tests" not in path.relative_to(REGISTRY).parts
        for name in _imported_modules(path)
        if name.split(".")[0] in ("incidents", "clinical_safety")
    }
    assert not offenders


def test_the_import_check_would_see_an_import(tmp_path):
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("def f():\n    from incidents.models import MedicationIncident\n    apps.get_model('incidents.X')\n")
    assert {"incidents.models", "incidents.X"} <= _imported_modules(sneaky)


# --- steps -------------------------------------------------------------------------------------------


@pytest.fixture
def successor():
    return UserFactory(email="next@riverside.example", full_name="Dr Next")


def _ready(handover):
    handover.items.filter(required=True, done=False).update(done=True, evidence="Checked.")
    return handover


@pytest.mark.django_db
def test_every_registered_step_runs_with_the_leaver_and_successor(riverside_mso, riverside, successor):
    seen = []

    def step(*, handover, leaver, successor, actor):
        seen.append((handover.pk, leaver, successor, actor))
        return HandoverStepResult(heading="Rotas you now keep", summary="1 rota", lines=("Night rota",), moved=1)

    handover_steps.register(step)
    handover_steps.register(step)  # a second ready() must not run it twice
    try:
        handover = _ready(handover_start(actor=riverside_mso, organisation=riverside, successor=successor,
                                         leaving_date=TODAY, successor_start_date=TODAY))
        done = handover_complete(actor=riverside_mso, handover=handover)
    finally:
        handover_steps.unregister(step)
    assert seen == [(handover.pk, riverside_mso, successor, riverside_mso)]
    email = Notification.objects.get(idempotency_key=f"handover-completed-successor:{handover.pk}")
    assert {"heading": "Rotas you now keep", "lines": ["Night rota"]} in email.context["moved"]
    assert "1 rota" in done.items.get(code="reassign").evidence


# --- point 4: offered only when allowed ---------------------------------------------------------------


@pytest.fixture
def later_handover(riverside_mso, riverside, riverside_director, successor):
    deputy = UserFactory(full_name="Dr Deputy")
    RoleAssignmentFactory(user=deputy, organisation=riverside, role=Role.DEPUTY_MSO)
    starts = TODAY + timedelta(days=10)
    return handover_start(actor=riverside_mso, organisation=riverside, successor=successor, leaving_date=TODAY,
                          successor_start_date=starts, covering_deputy=deputy)


@pytest.mark.django_db
def test_before_the_start_date_the_page_says_when_and_offers_no_button(client, later_handover, riverside_mso):
    _ready(later_handover)
    client.force_login(riverside_mso)
    page = client.get(reverse("mso_registry:handover_detail", args=[later_handover.pk])).text
    when = (TODAY + timedelta(days=10)).strftime("%-d %B %Y")
    assert f"You can complete the handover from {when}, the successor&#x27;s start date." in page
    assert "Complete the handover</button>" not in page
    assert "Cancel the handover</button>" in page  # cancelling stays possible


@pytest.mark.django_db
def test_with_required_items_open_the_page_names_them_and_offers_no_button(client, riverside_mso, riverside, successor):
    handover = handover_start(actor=riverside_mso, organisation=riverside, successor=successor, leaving_date=TODAY,
                              successor_start_date=TODAY)
    client.force_login(riverside_mso)
    page = client.get(reverse("mso_registry:handover_detail", args=[handover.pk])).text
    assert "These required items are still open: Transfer ownership of the generic MSO mailbox" in page
    assert "Complete the handover</button>" not in page
    # Moving incidents and actions is done by completing, so it never holds completion up, even on a
    # handover started before that item was automatic (where it was required).
    handover.items.filter(code="reassign").update(required=True, done=False)
    _ready(handover.__class__.objects.get(pk=handover.pk))
    handover.items.filter(code="reassign").update(done=False)
    assert handover_completion_refusals(handover) == []
    page = client.get(reverse("mso_registry:handover_detail", args=[handover.pk])).text
    assert "Complete the handover</button>" in page


@pytest.mark.django_db
def test_the_automatic_item_is_not_ticked_by_hand(client, riverside_mso, riverside, successor):
    handover = handover_start(actor=riverside_mso, organisation=riverside, successor=successor, leaving_date=TODAY,
                              successor_start_date=TODAY)
    item = handover.items.get(code="reassign")
    client.force_login(riverside_mso)
    page = client.get(reverse("mso_registry:handover_detail", args=[handover.pk])).text
    assert "MedSafety Hub does this when the handover completes" in page
    assert f'action="{reverse("mso_registry:handover_item_update", args=[item.pk])}"' not in page


# --- point 4: the leaver's landing page and honest messages -------------------------------------------


@pytest.mark.django_db
def test_the_leaver_lands_on_a_page_that_says_what_happened(client, riverside_mso, riverside_director, riverside, successor):
    handover = _ready(handover_start(actor=riverside_mso, organisation=riverside, successor=successor,
                                     leaving_date=TODAY, successor_start_date=TODAY))
    client.force_login(riverside_mso)
    response = client.post(reverse("mso_registry:handover_transition", args=[handover.pk, "complete"]), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("mso_registry:handover_detail", args=[handover.pk])
    page = response.text
    assert "What happened" in page
    assert f"You are no longer the Medication Safety Officer for {riverside.name}" in page
    assert escape(f"Dr Next and {riverside_director} have been emailed.") in page  # names are escaped: O'Sullivan
    assert "The national MSO list names Dr Next once the national registry accepts" in page
    # The organisation's pages are no longer theirs: the breadcrumb does not link to a 404.
    assert reverse("mso_registry:organisation_detail", args=["R9R"]) not in page
    assert client.get(reverse("mso_registry:organisation_detail", args=["R9R"])).status_code == 404


@pytest.mark.django_db
def test_with_no_board_director_completion_names_only_the_successor(client, riverside_mso, riverside, successor):
    handover = _ready(handover_start(actor=riverside_mso, organisation=riverside, successor=successor,
                                     leaving_date=TODAY, successor_start_date=TODAY))
    client.force_login(riverside_mso)
    response = client.post(reverse("mso_registry:handover_transition", args=[handover.pk, "complete"]), follow=True)
    messages = " ".join(str(m) for m in response.context["messages"])
    assert "Dr Next has been emailed." in messages and "director" not in messages
    assert not Notification.objects.filter(idempotency_key=f"handover-completed-director:{handover.pk}").exists()


@pytest.mark.django_db
def test_a_hand_made_post_before_the_start_date_is_refused_with_the_date(client, later_handover, riverside_mso):
    _ready(later_handover)
    client.force_login(riverside_mso)
    response = client.post(reverse("mso_registry:handover_transition", args=[later_handover.pk, "complete"]), follow=True)
    assert "You can complete the handover from" in response.text
    later_handover.refresh_from_db()
    assert later_handover.status == Handover.Status.IN_PROGRESS


@pytest.mark.django_db
def test_a_hand_made_post_cannot_tick_the_automatic_item(client, riverside_mso, riverside, successor):
    handover = handover_start(actor=riverside_mso, organisation=riverside, successor=successor, leaving_date=TODAY,
                              successor_start_date=TODAY)
    item = handover.items.get(code="reassign")
    client.force_login(riverside_mso)
    response = client.post(reverse("mso_registry:handover_item_update", args=[item.pk]),
                           {f"item{item.pk}-done": "on", f"item{item.pk}-evidence": "Did it by hand"}, follow=True)
    assert "it is not ticked by hand" in response.text
    item.refresh_from_db()
    assert not item.done
