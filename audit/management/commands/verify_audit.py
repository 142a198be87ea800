import re

from django.core.management.base import BaseCommand, CommandError

from audit.models import AuditAnchor
from audit.services import latest_anchors, unsealed_count, verify_chain

ANCHOR = re.compile(r"^(?P<scope>[a-z]+(?::\d+)?):(?P<sequence>\d+):(?P<hash>[0-9a-f]{64})$")


class Command(BaseCommand):
    help = (
        "Check every audit chain (keyed hashes, places without gaps, heads, the latest anchors) and name the "
        "first broken record. --anchor checks a head kept outside the database, e.g. from the anchor email."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--anchor", action="append", default=[], metavar="CHAIN:NUMBER:HASH",
            help="A chain head from an anchor email, e.g. organisation:12:345:<64 hex>; may be repeated.",
        )

    def handle(self, *args, **options):
        anchors = latest_anchors()
        for text in options["anchor"]:
            match = ANCHOR.match(text.strip())
            if not match:
                raise CommandError(f"Not an anchor: {text!r}. Give CHAIN:NUMBER:HASH as printed in the anchor email.")
            # Event id unknown from the command line: matched by place and hash only.
            anchors[match["scope"]] = AuditAnchor(
                scope=match["scope"], chain_sequence=int(match["sequence"]), hash=match["hash"], event_id=None
            )
        checked, broken = verify_chain(anchors=anchors)
        if broken:
            raise CommandError(f"Audit trail broken: {broken} ({checked} sealed events verified before it).")
        waiting = unsealed_count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit trail intact: {checked} sealed events verified, {len(anchors)} anchor(s) matched"
                + (f"; {waiting} recent event(s) wait to be sealed." if waiting else ".")
            )
        )
