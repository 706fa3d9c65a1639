"""The fast engine's request line and Host header, per origin: the default port left out, an IPv6
literal in brackets (RFC 9110 7.2: uri-host with an IP-literal), a URL no server could be at refused."""
from __future__ import annotations

import pytest

from runner.load.engines.fast import FastEngine


@pytest.mark.parametrize("url, origin, host, path", [
    ("http://api.example.com/items?q=1", ("http", "api.example.com", 80), b"Host: api.example.com\r\n", "/items?q=1"),
    ("http://api.example.com:8080/", ("http", "api.example.com", 8080), b"Host: api.example.com:8080\r\n", "/"),
    ("https://api.example.com", ("https", "api.example.com", 443), b"Host: api.example.com\r\n", "/"),
    ("http://[::1]:8080/a", ("http", "::1", 8080), b"Host: [::1]:8080\r\n", "/a"),
    ("http://[::1]/a", ("http", "::1", 80), b"Host: [::1]\r\n", "/a"),
])
def test_the_origin_and_host_header_of_a_url(url: str, origin: tuple, host: bytes, path: str) -> None:
    assert FastEngine(timeout_s=1.0)._split(url) == (origin, host, path)


def test_a_url_no_server_could_be_at_is_refused() -> None:
    with pytest.raises(ValueError):
        FastEngine(timeout_s=1.0)._split("http://api.example.com:0/")


def test_what_every_engine_must_do() -> None:
    from tests.unit.runner.load.engines.served import (
        check_a_url_no_server_could_be_at_is_never_sent,
        check_an_answer_and_a_body_past_the_limit,
    )
    check_an_answer_and_a_body_past_the_limit(FastEngine)
    check_a_url_no_server_could_be_at_is_never_sent(FastEngine)
