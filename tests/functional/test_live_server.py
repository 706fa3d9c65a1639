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


@pytest.fixture
def public() -> Iterator[LiveServer]:
    """--ui-public (bound to loopback here: what it answers does not depend on the address)."""
    live = LiveServer("127.0.0.1", 0, public=True, password="s3cret")
    live.start()
    yield live
    live.close()


@pytest.mark.parametrize("path", ["/", "/state", "/events", "/metrics", "/report"])
def test_a_public_page_answers_nobody_without_its_key(public: LiveServer, path: str) -> None:
    """Before: --ui-public turned the Host check off and anyone reaching the port got the page,
    its token, and a Stop that worked."""
    status, body = request(public, "GET", path)
    assert status == 401 and "?key=" in body
    status, _ = request(public, "POST", "/stop", {"X-Squall-Token": public.token})
    assert status == 401 and not public.stop_requested.is_set()


def test_the_printed_address_lets_its_holder_in_and_keeps_them_in(public: LiveServer) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", public.port, timeout=10)
    connection.request("GET", f"/?key={public.access_key}")
    response = connection.getresponse()
    assert response.status == 200 and public.token in response.read().decode()
    cookie = response.getheader("Set-Cookie") or ""
    assert "squall_key=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    connection.close()
    kept = {"Cookie": cookie.split(";")[0]}  # the browser sends it with the page's own requests
    assert request(public, "GET", "/state", kept)[0] == 200
    assert request(public, "POST", "/stop", {**kept, "X-Squall-Token": public.token})[0] == 200
    assert public.stop_requested.is_set()


def test_a_scraper_and_a_person_with_the_password_get_in(public: LiveServer) -> None:
    import base64
    assert request(public, "GET", "/metrics", {"Authorization": f"Bearer {public.access_key}"})[0] == 200
    basic = base64.b64encode(b"anyone:s3cret").decode()
    assert request(public, "GET", "/state", {"Authorization": f"Basic {basic}"})[0] == 200
    wrong = base64.b64encode(b"anyone:guess").decode()
    assert request(public, "GET", "/state", {"Authorization": f"Basic {wrong}"})[0] == 401
    assert request(public, "GET", "/state", {"Authorization": "Bearer guess"})[0] == 401


def test_listening_on_every_address_still_answers_only_for_this_machine_s_names() -> None:
    """Before: bound to 0.0.0.0 it answered any Host (a DNS-rebinding page could read it)."""
    import socket
    hosts = LiveServer("0.0.0.0", 8089, public=True, names=("loadtest.example.com",)).allowed_hosts()
    assert "evil.test:8089" not in hosts and "loadtest.example.com:8089" in hosts
    assert f"{socket.gethostname().lower()}:8089" in hosts and "127.0.0.1:8089" in hosts
