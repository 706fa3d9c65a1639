"""The host allow-list holds for a locustfile's requests too: Locust's own clients (HttpUser's
requests session, FastHttpUser's geventhttpclient agent), absolute URLs and redirect hops alike.
Run in a child process: importing Locust monkey-patches the standard library. The host refused is
127.0.0.2 with loopback not allowed, so a failure of the check could only ever reach this machine."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json
import locust  # noqa: F401 - gevent's monkey-patching first, as in the Locust worker
from locust.clients import HttpSession
from locust.contrib.fasthttp import FastHttpSession
from locust.env import Environment
from runner.guardrails import HostPolicy
from runner.load.locust_hosts import guard_hosts
from tests.raw_server import RawServer

server = RawServer([])
server.answers = [(b"HTTP/1.1 302 Found\\r\\nLocation: http://127.0.0.2:%d/elsewhere\\r\\n"
                   b"Content-Length: 0\\r\\n\\r\\n" % server.port, False)]
guard_hosts(HostPolicy((), allow_loopback=False), server.url)
environment = Environment(host=server.url)
failures = []
environment.events.request.add_listener(
    lambda name, exception=None, **_: failures.append([name, type(exception).__name__ if exception else None,
                                                       getattr(exception, "host", None)]))
slow = HttpSession(server.url, environment.events.request, user=None)
fast = FastHttpSession(server.url, environment.events.request, user=None)
for client in (slow, fast):
    client.get("/start", name="redirected")
    client.get("http://127.0.0.2:%d/direct" % server.port, name="absolute")
print(json.dumps({"failures": failures, "server_saw": server.requests}))
"""


def test_a_locustfile_s_requests_to_a_host_outside_the_list_are_refused_never_sent() -> None:
    """Before: with `--allow-host api.test`, a task's `self.client.get("http://evil.test/…")` and
    302 redirects to evil.test reached evil.test and the run PASSed."""
    probe = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, cwd=ROOT,
                           env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert probe.returncode == 0, probe.stderr[-3000:]
    seen = json.loads(probe.stdout.strip().splitlines()[-1])
    assert seen["failures"] == [["redirected", "RefusedHost", "127.0.0.2"], ["absolute", "RefusedHost", "127.0.0.2"]] * 2
    assert seen["server_saw"] == ["GET /start HTTP/1.1"] * 2  # only the allowed first hops reached a server


SOCKETS = """
import json, socket, urllib.request
import locust  # noqa: F401 - gevent's monkey-patching first, as in the Locust worker
import requests
from runner.guardrails import HostPolicy
from runner.load.locust_hosts import guard_connections
from tests.raw_server import RawServer

allowed = RawServer([(b"HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nok", False)])
refused = socket.create_server(("127.0.0.2", 0))  # never accepted from: a connection would queue here
refused.settimeout(0.5)
port = refused.getsockname()[1]
guard_connections(HostPolicy(("127.0.0.1",), allow_loopback=False), allowed.url)
outcomes = {}
attempts = {
    "requests": lambda: requests.get("http://127.0.0.2:%d/" % port, timeout=2),
    "urllib": lambda: urllib.request.urlopen("http://127.0.0.2:%d/" % port, timeout=2),
    "socket": lambda: socket.create_connection(("127.0.0.2", port), timeout=2),
    "a name": lambda: socket.getaddrinfo("localhost", port),
    "allowed": lambda: requests.get(allowed.url + "/fine", timeout=5).text,
}
for name, attempt in attempts.items():
    try:
        outcomes[name] = str(attempt())
    except Exception as error:
        outcomes[name] = type(error).__name__ + ": " + str(error)
try:
    refused.accept()
    reached = True
except OSError:
    reached = False
print(json.dumps({"outcomes": outcomes, "reached": reached}))
"""


def test_a_locustfile_s_own_clients_and_sockets_are_held_to_the_list_at_the_socket() -> None:
    """Before: a task's own `requests.get`, `urllib` or socket reached any host (only Locust's
    self.client was checked). The refused address is 127.0.0.2, so a failure of the guard could
    only ever reach this machine."""
    probe = subprocess.run([sys.executable, "-c", SOCKETS], capture_output=True, text=True, timeout=60, cwd=ROOT,
                           env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert probe.returncode == 0, probe.stderr[-3000:]
    seen = json.loads(probe.stdout.strip().splitlines()[-1])
    outcomes = seen["outcomes"]
    assert not seen["reached"], outcomes
    for name in ("requests", "urllib", "socket"):
        assert "127.0.0.2 is not an allowed host" in outcomes[name], outcomes
    assert "localhost is not an allowed host" in outcomes["a name"]
    assert outcomes["allowed"] == "ok"
