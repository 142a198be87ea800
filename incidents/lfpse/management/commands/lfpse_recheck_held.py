"""After a new mapping is deployed: try every held incident again (README, "Reporting to LFPSE")."""

from django.core.management.base import BaseCommand

from incidents.lfpse.services import lfpse_reevaluate_held


class Command(BaseCommand):
    help = "Check every incident held back from LFPSE against the current mapping; queue those that can now go."

    def handle(self, *args, **options):
        released = lfpse_reevaluate_held()
        self.stdout.write(f"{released} held incident{'s' if released != 1 else ''} can now be sent to LFPSE.")
