"""The live page's server against other pages in the same browser: what a cross-origin form, a
fetch with a simple body, or a DNS-rebinding page can send, sent as raw requests on 127.0.0.1."""
from __future__ import annotations

import http.client
from collections.abc import Iterator

import pytest

from runner.results.live_server import LiveServer


@pytest.fixture
def server() -> Iterator[LiveServer]:
    live = LiveServer("127.0.0.1", 0)
    live.start()
    yield live
    live.close()


def request(server: LiveServer, method: str, path: str, headers: dict[str, str] | None = None,
            body: bytes | None = None) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


@pytest.mark.parametrize("case, headers", [
    # what any web page can make a browser send without a preflight: no custom header
    ("a cross-origin POST with a text/plain body",
     {"Content-Type": "text/plain", "Origin": "http://evil.test"}),
    ("a form post from another page", {"Content-Type": "application/x-www-form-urlencoded", "Origin": "null"}),
    ("no token at all", {}),
    ("a wrong token", {"X-Squall-Token": "guess"}),
])
def test_only_the_page_itself_can_stop_the_run(server: LiveServer, case: str, headers: dict[str, str]) -> None:
    """Before: any web page could stop a run with a text/plain POST (no preflight, no token)."""
    status, _ = request(server, "POST", "/stop", headers, b"stop")
    assert status == 403, case
    assert not server.stop_requested.is_set()


def test_a_token_sent_from_another_origin_is_refused_too(server: LiveServer) -> None:
    status, _ = request(server, "POST", "/stop", {"X-Squall-Token": server.token, "Origin": "http://evil.test"})
    assert status == 403 and not server.stop_requested.is_set()


def test_the_page_carries_its_token_and_its_stop_works(server: LiveServer) -> None:
    status, page = request(server, "GET", "/")
    assert status == 200 and f"const TOKEN = '{server.token}';" in page
    origin = f"http://127.0.0.1:{server.port}"
    status, _ = request(server, "POST", "/stop", {"X-Squall-Token": server.token, "Origin": origin})
    assert status == 200 and server.stop_requested.is_set()


@pytest.mark.parametrize("path", ["/", "/state", "/metrics", "/events"])
def test_a_request_for_another_host_is_refused(server: LiveServer, path: str) -> None:
    """A DNS-rebinding page reaches 127.0.0.1 under its own name: its Host header gives it away.
    Before, every page answered any Host."""
    status, _ = request(server, "GET", path, {"Host": f"rebound.evil.test:{server.port}"})
    assert status == 421


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_the_page_answers_under_the_loopback_names(server: LiveServer, host: str) -> None:
    status, _ = request(server, "GET", "/state", {"Host": f"{host}:{server.port}"})
    assert status == 200
