"""The allow-list for a locustfile's process, its checks themselves (the audit hook's, called here
directly, no hook installed): a name outside the list refused before it is resolved, an address
outside it before it is connected to, the addresses an allowed name resolves to allowed with it,
and a refusal Locust reports as the request's failure, never sent. (tests/functional/test_locust_hosts.py
runs it in Locust.)"""
from __future__ import annotations

import pytest
import requests

from runner.guardrails import HostPolicy
from runner.load.locust_hosts import RefusedHost, _ConnectionGuard


def guard(policy: HostPolicy, target: str = "") -> _ConnectionGuard:
    checks = _ConnectionGuard()
    checks.policy, checks.target = policy, target
    return checks


def test_a_name_or_an_address_outside_the_list_is_refused_before_any_traffic() -> None:
    checks = guard(HostPolicy(("*.staging.example.com",), allow_loopback=False))
    with pytest.raises(RefusedHost, match="api.example.org is not an allowed host"):
        checks("socket.getaddrinfo", ("API.example.org.", 443, 0, 0, 0, 0))
    with pytest.raises(RefusedHost, match="127.0.0.1 is not an allowed host"):
        checks("socket.connect", (None, ("127.0.0.1", 80)))
    checks.policy = None  # turned off: the hook stays (it cannot be removed) and checks nothing
    checks("socket.connect", (None, ("127.0.0.1", 80)))


def test_the_addresses_an_allowed_name_resolves_to_are_allowed_with_it() -> None:
    checks = guard(HostPolicy((), allow_loopback=False), target="localhost")  # the run's target is allowed
    checks("socket.getaddrinfo", ("localhost", 80, 0, 0, 0, 0))
    assert "127.0.0.1" in checks.addresses or "::1" in checks.addresses
    checks("socket.connect", (None, (sorted(checks.addresses)[0], 80)))


def test_a_refusal_is_a_failed_request_to_locust_not_an_error_that_retries() -> None:
    refused = RefusedHost("api.example.org")
    assert isinstance(refused, requests.exceptions.ConnectionError) and refused.errno is None
    assert refused.host == "api.example.org" and "never sent" in str(refused)
