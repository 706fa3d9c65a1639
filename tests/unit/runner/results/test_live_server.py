"""The live page's server, its pure parts: an address beyond loopback only when public, and the
Host names it answers (a DNS-rebinding page's name is not among them)."""
from __future__ import annotations

import pytest

from runner.results.live_server import LiveServer, UiAddressRefused, parse_address


def test_loopback_is_the_default_and_anything_else_needs_public() -> None:
    assert parse_address(":8089", public=False) == ("127.0.0.1", 8089)
    assert parse_address("[::1]:9000", public=False) == ("::1", 9000)
    assert parse_address("0.0.0.0:8089", public=True) == ("0.0.0.0", 8089)
    with pytest.raises(UiAddressRefused, match="binds to loopback unless --ui-public"):
        parse_address("0.0.0.0:8089", public=False)
    with pytest.raises(UiAddressRefused, match="write HOST:PORT"):
        parse_address("localhost", public=False)


def test_the_host_names_it_answers() -> None:
    loopback = LiveServer("127.0.0.1", 8089)
    assert {"127.0.0.1:8089", "localhost:8089", "[::1]:8089"} <= loopback.allowed_hosts()
    assert "attacker.example:8089" not in loopback.allowed_hosts()
    named = LiveServer("0.0.0.0", 80, public=True, names=("Load.Example.com",))
    assert {"load.example.com", "load.example.com:80"} <= named.allowed_hosts() and named.access_key
