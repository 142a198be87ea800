"""LFPSE fixtures: the feature switched on against an address nothing listens on (tests that send
give a transport or the stand-in), and incidents reported through the service."""

import pytest

from incidents import services
from incidents.tests.conftest import make_incident  # noqa: F401 - a report made through the service

BASE = "https://lfpse.example/taxonomy/fhir"


@pytest.fixture
def lfpse_on(settings):
    settings.LFPSE_API_URL = "http://127.0.0.1:9"
    settings.LFPSE_API_KEY = "test-key"
    settings.LFPSE_SUBMIT_ON = "graded"
    settings.LFPSE_TAXONOMY_BASE = BASE
    settings.LFPSE_SWEEP_GRACE_SECONDS = 0
    return settings


@pytest.fixture
def grade(riverside_mso):
    def do(incident, **values):
        values = {"physical_harm": incident.physical_harm, "psychological_harm": incident.psychological_harm,
                  "note": "Reviewed.", **values}
        return services.incident_grade(incident=incident, actor=riverside_mso, **values)

    return do


class RunningStandIn:
    def __init__(self, app, server, thread):
        self.app, self.server, self.thread = app, server, thread
        self.url = f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def lfpse_standin(settings):
    """The local LFPSE stand-in on a free port, in a thread of this process; the app pointed at it."""
    import threading

    from incidents.lfpse.standin import LfpseStandIn, standin_serve

    app = LfpseStandIn(taxonomy_base=BASE, api_key="test-key", unknown_ods=("R9X",))
    server = standin_serve(app, port=0)
    thread = threading.Thread(target=server.serve_forever, name="lfpse-standin", daemon=True)
    thread.start()
    running = RunningStandIn(app, server, thread)
    settings.LFPSE_API_URL = running.url
    settings.LFPSE_API_KEY = "test-key"
    settings.LFPSE_TAXONOMY_BASE = BASE
    settings.LFPSE_SUBMIT_ON = "graded"
    settings.LFPSE_SWEEP_GRACE_SECONDS = 0
    settings.LFPSE_TIMEOUT_SECONDS = 1.0
    yield running
    server.shutdown()
    server.server_close()
    print(f"LFPSE stand-in received: {app.summary()}")
