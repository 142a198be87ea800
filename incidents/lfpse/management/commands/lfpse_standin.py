"""Run the local LFPSE stand-in: `python manage.py lfpse_standin`, then start the app with
LFPSE_API_URL=http://127.0.0.1:8765 (README, "Reporting to LFPSE")."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from incidents.lfpse.standin import LfpseStandIn, standin_serve


class Command(BaseCommand):
    help = "Serve a local stand-in for LFPSE's submission API (validates, answers with ids, counts)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--unknown-ods", nargs="*", default=[],
                            help="ODS codes the stand-in does not know: their submissions are rejected (422).")
        parser.add_argument("--state", default="", help="A JSON file that keeps the events across restarts.")
        parser.add_argument("--mode", choices=["ok", "down", "timeout", "slow_commit"], default="ok")

    def handle(self, *args, port, unknown_ods, mode, state, **options):
        app = LfpseStandIn(taxonomy_base=settings.LFPSE_TAXONOMY_BASE, api_key=settings.LFPSE_API_KEY,
                           unknown_ods=tuple(unknown_ods), state_path=Path(state) if state else None)
        app.set_mode(mode)
        server = standin_serve(app, port=port, quiet=False)
        self.stdout.write(
            f"LFPSE stand-in on http://127.0.0.1:{port} (mode {mode}). Start the app with "
            f"LFPSE_API_URL=http://127.0.0.1:{port}. GET /_standin shows what it received; "
            'POST /_standin {"mode": "down"} changes how it answers.'
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
