import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from api import demo as api_demo
from board_reports import demo as board_reports_demo
from clinical_safety import demo as clinical_safety_demo
from incidents import demo as incidents_demo
from incidents.lfpse import demo as lfpse_demo
from mso_registry import demo as registry_demo
from users.demo import demo_user


class Command(BaseCommand):
    """One demo command at the composition root: it calls each app's demo.py in dependency order."""

    help = "Create the fictional demo organisations, accounts and records (idempotent). Refused in production."

    def add_arguments(self, parser):
        parser.add_argument(
            "--incidents", type=int, default=None, metavar="N",
            help="Medication incidents per demo trust, bulk-inserted (default DEMO_INCIDENTS or 300).",
        )

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_demo makes accounts with a known password; it does not run in production.")
        if options["incidents"] is not None and options["incidents"] < 0:
            raise CommandError("--incidents is a number of incidents, 0 or more.")
        password = os.environ.get("DEMO_PASSWORD", "medsafety-demo")
        sign_ins = registry_demo.seed(password=password)
        incidents_demo.seed(size=options["incidents"])
        lfpse_demo.seed()
        clinical_safety_demo.seed(password=password)
        board_reports_demo.seed()
        api_admin, api_token = api_demo.seed(password=password)
        sign_ins.append((api_admin, "Local administrator, Riverside (makes API clients)"))
        demo_user("admin@medsafety.example", "Site Administrator", password, is_staff=True, is_superuser=True)
        sign_ins.append(("admin@medsafety.example", "System administrator (admin site)"))

        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in at http://127.0.0.1:8000/ with:"))
        width = max(len(email) for email, _ in sign_ins)
        for email, role in sign_ins:
            self.stdout.write(f"  {email.ljust(width)}  {role}")
        self.stdout.write(f"  password for all: {password}")
        self.stdout.write(f"API (development demo only): Riverside's EPMA client, every scope, token {api_token}")
        self.stdout.write("  e.g. curl -H 'Authorization: Bearer " + api_token + "' http://127.0.0.1:8000/api/v1/incidents/")
