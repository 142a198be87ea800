"""List pages read a fixed number of queries, however many incidents there are."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents import services


def _queries_for(client, url) -> int:
    client.get(url)  # once first: the first request after force_login records the session's activity
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_review_queue_does_not_grow_with_the_number_of_incidents(client, make_incident, riverside_mso, riverside_director):
    url = reverse("incidents:review_queue")
    make_incident(physical_harm="severe", medicines=[{"name": "Insulin"}, {"name": "Gentamicin"}])
    client.force_login(riverside_mso)
    few = _queries_for(client, url)

    for i in range(20):
        incident = make_incident(medicines=[{"name": f"Medicine {i}"}, {"name": "Insulin"}])
        services.incident_escalate(incident=incident, actor=riverside_mso, message="x") if i % 3 == 0 else None
    many = _queries_for(client, url)

    assert many == few
    assert client.get(url).context["page"].paginator.count == 21


def test_my_reports_and_the_dashboard_do_not_grow_either(client, make_incident, riverside_staff, riverside_mso):
    make_incident()
    client.force_login(riverside_staff)
    mine_few = _queries_for(client, reverse("incidents:my_reports"))
    client.force_login(riverside_mso)
    dashboard_few = _queries_for(client, reverse("incidents:dashboard"))

    for _ in range(15):
        make_incident(error_types=["overdose", "wrong_time"])
    client.force_login(riverside_staff)
    assert _queries_for(client, reverse("incidents:my_reports")) == mine_few
    client.force_login(riverside_mso)
    assert _queries_for(client, reverse("incidents:dashboard")) == dashboard_few


def test_the_incident_page_reads_the_organisation_s_people_once(client, make_incident, riverside, riverside_mso):
    """The action form, each open action's "give to" list and the learning response's lead list the same
    people: one read of them, however many there are, and a newcomer is in all three."""
    from tests.factories import RoleAssignmentFactory, UserFactory

    incident = make_incident()
    services.incident_action_add(incident=incident, actor=riverside_mso, description="Audit insulin charts",
                                 owner=riverside_mso, due_date=incident.occurred_at.date().replace(year=2099))
    url = reverse("incidents:incident_detail", args=[incident.reference])
    client.force_login(riverside_mso)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(12):
        RoleAssignmentFactory(user=UserFactory(full_name=f"Nurse Newcomer {n}"), organisation=riverside, role="staff")
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()

    assert len(many) == len(few)
    people_reads = [q["sql"] for q in many if q["sql"].lstrip().startswith('SELECT "users_user"."id" AS "pk", "users_user"."full_name"')]
    assert len(people_reads) == 1, people_reads
    assert not [q for q in many if 'COUNT(*) AS "__count" FROM "users_user"' in q["sql"]]  # nor counted besides
    assert page.count(">Nurse Newcomer 11 (") == 3  # the action form, the open action's "give to", the lead
