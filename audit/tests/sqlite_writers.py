"""Run by test_sqlite_concurrency in a process of its own, against a SQLite file given by DATABASE_URL:
several threads make audited changes at once; prints what happened as JSON."""

import json
import threading

import django


def main(threads: int = 4, rounds: int = 8) -> None:
    django.setup()
    from django.db import connections

    from audit.services import audit_seal_pending, verify_chain
    from audit.models import AuditEvent
    from mso_registry.models import Organisation, Role
    from mso_registry.services import organisation_update, role_assign
    from users.models import User

    admin = User.objects.get(email="registry@medsafety.example")
    organisations = list(Organisation.objects.order_by("pk"))
    errors = []
    start = threading.Barrier(threads)

    def write(n):
        try:
            start.wait(10)
            organisation = organisations[n % len(organisations)]
            for round_ in range(rounds):
                organisation_update(actor=admin, organisation=organisation, name=f"SQLite Trust {n} ({round_})")
                person = User.objects.create(email=f"sqlite{n}-{round_}@trust.example")
                role_assign(actor=admin, user=person, role=Role.STAFF, organisation=organisation)
        except Exception as error:  # noqa: BLE001 - reported in the JSON
            errors.append(repr(error))
        finally:
            connections.close_all()

    workers = [threading.Thread(target=write, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    audit_seal_pending()
    print(json.dumps({
        "errors": errors,
        "events": AuditEvent.objects.count(),
        "unsealed": AuditEvent.objects.filter(chain_sequence__isnull=True).count(),
        "verify": verify_chain(),
        "transaction_mode": connections["default"].settings_dict["OPTIONS"].get("transaction_mode"),
    }))


if __name__ == "__main__":
    main()
