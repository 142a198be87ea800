"""Drive one page with wrk (the Debian package `wrk`, C and one event loop per thread, so it takes
a small share of the CPU that the minimal view's rate would have locust take). Each run gets a Lua
script written from pages.py's request: the bench account's session cookie (one per connection),
the CSRF cookie and the report form's body for the POST, a random incident per request for the
incident page. wrk's own summary comes back as JSON from the script's done()."""

import json
import random
import subprocess
from pathlib import Path

from pages import csrf_secret, request_for

WRK = "/usr/bin/wrk"
THREADS = 2

LUA = r"""
local requests = {%(requests)s}
local expected = %(expected)d
local counter = 0
local threads = {}
local unexpected = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(id + 7)
  mine = {}
  for i, r in ipairs(requests) do
    if r.thread == id %% %(threads)d then table.insert(mine, r) end
  end
  if #mine == 0 then mine = requests end
  wrong = 0
end

function request()
  local r = mine[math.random(#mine)]
  return wrk.format(r.method, r.path, r.headers, r.body)
end

function response(status, headers, body)
  if status ~= expected then wrong = wrong + 1 end
end

function done(summary, latency, requests)
  local wrong_total = 0
  for _, thread in ipairs(threads) do wrong_total = wrong_total + (thread:get("wrong") or 0) end
  io.write("WRK_JSON ", string.format(
    '{"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p95_us": %%d, "mean_us": %%.1f, ' ..
    '"connect_errors": %%d, "read_errors": %%d, "write_errors": %%d, "timeouts": %%d, "unexpected": %%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency.mean,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout, wrong_total))
end
"""


def _lua_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'"


def _lua_request(method, path, headers, body, thread) -> str:
    header_items = ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items())
    body_lua = _lua_string(body.decode()) if body else "nil"
    return (f"{{thread = {thread}, method = {_lua_string(method)}, path = {_lua_string(path)}, "
            f"headers = {{{header_items}}}, body = {body_lua}}}")


def script_for(key: str, targets: dict, clients: int) -> str:
    """The requests a run chooses from: one session per connection, as locust has one per user (each
    thread picks among its share of them at random), and for the incident page the same spread of
    references as locust's. With one session per thread, eight report POSTs at once queued for the
    same session row, which each report updates in its transaction (the receipt): a wait no sixteen
    real reporters have, which magnified any slower commit."""
    rng = random.Random(7)
    variants = max(1, 200 * THREADS // clients) if key == "incident_page" else 1
    entries = []
    for client in range(clients):
        token = csrf_secret()
        for _ in range(variants):
            method, path, headers, body = request_for(key, targets, client=client, rng=rng, token=token)
            entries.append(_lua_request(method, path, headers, body, client % THREADS))
    expected = 302 if key.startswith("report_form_post") else 200
    return LUA % {"requests": ",\n".join(entries), "expected": expected, "threads": THREADS}


def run_wrk(key: str, targets: dict, *, host: str, clients: int, seconds: int, out_dir: Path) -> dict:
    script = out_dir / f"wrk_{key}.lua"
    script.write_text(script_for(key, targets, clients))
    completed = subprocess.run(
        [WRK, "-t", str(THREADS), "-c", str(clients), "-d", f"{seconds}s", "--timeout", "10s", "-s", str(script),
         host + "/"],
        capture_output=True, text=True, check=False,
    )
    (out_dir / f"wrk_{key}.log").write_text(completed.stdout + completed.stderr)
    line = next((l for l in completed.stdout.splitlines() if l.startswith("WRK_JSON ")), None)
    if line is None:
        raise SystemExit(f"wrk gave no summary for {key}; see {out_dir / f'wrk_{key}.log'}")
    r = json.loads(line.removeprefix("WRK_JSON "))
    failures = r["connect_errors"] + r["read_errors"] + r["write_errors"] + r["timeouts"] + r["unexpected"]
    return {
        "requests": r["requests"],
        "failures": failures,
        "rps": round(r["requests"] / (r["duration_us"] / 1e6), 1),
        "p50_ms": round(r["p50_us"] / 1000, 1),
        "p95_ms": round(r["p95_us"] / 1000, 1),
        "mean_ms": round(r["mean_us"] / 1000, 1),
    }
