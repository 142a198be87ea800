"""A local stand-in for LFPSE's submission API, for the tests and for trying the feature on a laptop.
It behaves as the real service does as far as the public material shows (README, "Reporting to
LFPSE"): POST <base>/adverse-event/fhir/AdverseEvent creates an event and answers 201 with the
AdverseEvent and its new id; PUT .../AdverseEvent/<id> updates one; an invalid resource (FHIR R4,
LFPSE's profile and required extensions, an ODS code it does not know) gets 422 with an
OperationOutcome; a create with If-None-Exist finds an event already made with that identifier.
It can be told to be down (503), to time out (answer only after `delay` seconds, having stored
nothing) or to store the event and then be slow to answer, and it counts what it received."""

import json
import threading
import time
import uuid
from collections import Counter
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from pydantic import ValidationError

from .delivery import ENDPOINT
from .profile import profile_problems

MODES = ("ok", "down", "timeout", "slow_commit")


def operation_outcome(*messages: str, code: str = "invalid") -> dict:
    return {"resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": code, "diagnostics": m} for m in messages]}


class LfpseStandIn:
    """The WSGI application, with what it has received. Thread-safe: the server answers in threads."""

    def __init__(self, *, taxonomy_base: str, api_key: str = "", unknown_ods: tuple[str, ...] = (),
                 state_path=None):
        self.taxonomy_base = taxonomy_base
        self.state_path = state_path  # keeps the events across restarts (`make run`), so updates find them
        self.api_key = api_key
        self.unknown_ods = set(unknown_ods)
        self.mode = "ok"
        self.delay = 5.0
        self._lock = threading.Lock()
        self.events: dict[str, dict] = {}  # LFPSE id -> latest resource
        self.by_identifier: dict[str, str] = {}  # "system|value" -> LFPSE id
        self.requests = Counter()  # what arrived: "POST", "PUT", "rejected", "refused: down"...
        self.creates = Counter()  # identifier value -> events created for it
        self.updates = Counter()  # identifier value -> updates applied
        if state_path and state_path.exists():
            saved = json.loads(state_path.read_text())
            self.events, self.by_identifier = saved["events"], saved["by_identifier"]

    def _save(self):
        if self.state_path:
            self.state_path.write_text(json.dumps({"events": self.events, "by_identifier": self.by_identifier}))

    # --- what a test asks of it ----------------------------------------------------------------

    def set_mode(self, mode: str, *, delay: float | None = None):
        assert mode in MODES, mode
        with self._lock:
            self.mode = mode
            if delay is not None:
                self.delay = delay

    def summary(self) -> dict:
        with self._lock:
            return {"mode": self.mode, "events": len(self.events), "requests": dict(self.requests),
                    "creates": dict(self.creates), "updates": dict(self.updates)}

    # --- validation -----------------------------------------------------------------------------

    def problems_of(self, resource) -> list[str]:
        from fhir.resources.R4B.adverseevent import AdverseEvent  # here: ~0.1 s to import, for LFPSE only

        if not isinstance(resource, dict):
            return ["The body must be a JSON AdverseEvent."]
        try:
            AdverseEvent.model_validate(resource)
        except ValidationError as error:
            return [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()]
        problems = profile_problems(resource, base=self.taxonomy_base)
        for item in resource.get("contained") or []:
            for extension in item.get("extension") or []:
                for part in extension.get("extension") or []:
                    if part.get("url") in ("ReporterOrganisation", "Organisation") and part.get("valueCode") in self.unknown_ods:
                        problems.append(f"{part['url']}: ODS code {part['valueCode']} is not in ods-codes-5")
        return problems

    # --- WSGI -----------------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        if path == "/_standin" and method == "GET":
            return self._answer(start_response, 200, self.summary())
        if path == "/_standin" and method == "POST":
            body = self._body(environ) or {}
            self.set_mode(body.get("mode", "ok"), delay=body.get("delay"))
            return self._answer(start_response, 200, self.summary())
        if not path.startswith(ENDPOINT):
            return self._answer(start_response, 404, operation_outcome(f"No such endpoint: {path}", code="not-found"))
        if self.api_key and environ.get("HTTP_OCP_APIM_SUBSCRIPTION_KEY") != self.api_key:
            return self._answer(start_response, 401, operation_outcome("Access denied: missing or wrong subscription key.",
                                                                       code="security"))
        with self._lock:
            mode, delay = self.mode, self.delay
        if mode == "down":
            self._count("refused: down")
            return self._answer(start_response, 503, operation_outcome("Service unavailable.", code="transient"))
        if mode == "timeout":
            self._count("refused: timeout")
            time.sleep(delay)
            return self._answer(start_response, 504, operation_outcome("Gateway timeout.", code="timeout"))
        resource = self._body(environ)
        problems = self.problems_of(resource)
        if problems:
            self._count("rejected")
            return self._answer(start_response, 422, operation_outcome(*problems))
        lfpse_id = path[len(ENDPOINT):].strip("/")
        identifier = resource.get("identifier") or {}
        key = f"{identifier.get('system', '')}|{identifier.get('value', '')}"
        with self._lock:
            if method == "PUT" and lfpse_id:
                if lfpse_id not in self.events:
                    status, answer = 404, operation_outcome(f"No event {lfpse_id}.", code="not-found")
                else:
                    self.events[lfpse_id] = {**resource, "id": lfpse_id}
                    self.requests["PUT"] += 1
                    self.updates[identifier.get("value", "")] += 1
                    status, answer = 200, self.events[lfpse_id]
            elif method == "POST" and not lfpse_id:
                self.requests["POST"] += 1
                wanted = environ.get("HTTP_IF_NONE_EXIST", "")
                existing = self.by_identifier.get(key) if wanted == f"identifier={key}" else None
                if existing:
                    status, answer = 200, self.events[existing]
                else:
                    new_id = uuid.uuid4().hex[:16]
                    self.events[new_id] = {**resource, "id": new_id}
                    self.by_identifier[key] = new_id
                    self.creates[identifier.get("value", "")] += 1
                    status, answer = 201, self.events[new_id]
            else:
                status, answer = 405, operation_outcome(f"{method} is not allowed here.", code="not-supported")
            if status in (200, 201):
                self._save()
        if mode == "slow_commit":
            time.sleep(delay)  # stored, but the answer comes too late for the sender
        return self._answer(start_response, status, answer)

    def _count(self, what: str):
        with self._lock:
            self.requests[what] += 1

    @staticmethod
    def _body(environ):
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            return json.loads(environ["wsgi.input"].read(length) or b"null")
        except (ValueError, json.JSONDecodeError):
            return None

    @staticmethod
    def _answer(start_response, status: int, body: dict):
        data = json.dumps(body).encode()
        reason = {200: "OK", 201: "Created", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
                  422: "Unprocessable Entity", 503: "Service Unavailable", 504: "Gateway Timeout"}[status]
        headers = [("Content-Type", "application/fhir+json"), ("Content-Length", str(len(data)))]
        if status == 201:
            headers.append(("Location", f"{ENDPOINT}/{body['id']}/_history/1"))
        start_response(f"{status} {reason}", headers)
        return [data]


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib's name
        pass


def standin_serve(app: LfpseStandIn, *, host: str = "127.0.0.1", port: int = 0, quiet: bool = True):
    """A threading HTTP server for the stand-in; call serve_forever() (or run it in a thread)."""
    return make_server(host, port, app, server_class=_ThreadingServer,
                       handler_class=_QuietHandler if quiet else WSGIRequestHandler)
