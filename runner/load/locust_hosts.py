"""The host allow-list for a locustfile's requests, as a spec's requests have it (runner.load.flow):
every request Locust's clients send (HttpUser's requests session and FastHttpUser's
geventhttpclient agent), each redirect hop included, is checked before it is sent; a refused one
is never sent, fails as ``RefusedHost`` (Locust reports it as the request's failure) and is counted
as the error class ``refused_host`` with its host named. Beyond Locust's clients, ``guard_connections``
holds every other client of the process (requests, urllib, httpx, raw sockets) to the same list at
the socket: a name when it is resolved, an address when it is connected to (a local run's Locust
workers; on Lambda the function's network is the boundary). Imported only by the Locust worker."""
from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests

from runner.guardrails import HostPolicy


class RefusedHost(requests.exceptions.ConnectionError):
    """A request to a host outside the allowed list: never sent. An OSError without an errno, so
    geventhttpclient neither retries it nor hides it, and a RequestException, so Locust's requests
    session reports it as the request's failure."""

    def __init__(self, host: str, request: Any = None) -> None:
        super().__init__(f"refused: {host} is not an allowed host (limits.allowed_hosts, --allow-host), never sent",
                         request=request)
        self.host = host
        del self.response  # FastHttpSession takes an exception with a response for an answer


def guard_hosts(policy: HostPolicy, base_url: str) -> Callable[[], None]:
    """Check every request of Locust's clients in this process against ``policy`` (the run's
    target host is allowed: the guardrails checked it before the run). Returns what undoes it."""
    from locust.clients import HttpSession
    from locust.contrib.fasthttp import LocustUserAgent
    target = (urlsplit(base_url).hostname or "").lower()
    allowed: dict[str, bool] = {}

    def check(host: str, request: Any = None) -> None:
        host = host.lower().strip("[]")
        ok = allowed.get(host)
        if ok is None:
            ok = allowed[host] = host == target or policy.allows(host)
        if not ok:
            raise RefusedHost(host, request)

    send: Callable[..., Any] = HttpSession.send

    def checked_send(self: Any, request: Any, **kwargs: Any) -> Any:  # every hop: requests re-sends redirects here
        check(urlsplit(request.url).hostname or "", request)
        return send(self, request, **kwargs)

    urlopen: Callable[..., Any] = LocustUserAgent._urlopen

    def checked_urlopen(self: Any, request: Any) -> Any:  # every hop of FastHttpUser's redirects
        check(str(request.url_split.host or ""))
        return urlopen(self, request)

    HttpSession.send = checked_send  # type: ignore[method-assign]
    LocustUserAgent._urlopen = checked_urlopen  # type: ignore[method-assign]

    def undo() -> None:
        HttpSession.send = send  # type: ignore[method-assign]
        LocustUserAgent._urlopen = urlopen  # type: ignore[method-assign]
    return undo


class _ConnectionGuard:
    """The process's audit hook (it cannot be removed: ``policy`` None turns it off). Names are
    checked as they are resolved (the addresses an allowed name resolves to become allowed);
    addresses as they are connected to."""

    def __init__(self) -> None:
        self.policy: HostPolicy | None = None
        self.target = ""
        self.names: dict[str, bool] = {}
        self.addresses: set[str] = set()
        # names being checked now: our own lookups of them (from any thread: gevent resolves in a
        # pool of threads) raise the same event
        self.checking: set[str] = set()
        self.lock = threading.Lock()

    def __call__(self, event: str, args: tuple[Any, ...]) -> None:
        if self.policy is None:
            return
        if event == "socket.getaddrinfo" and args[0] is not None:
            host = args[0]
            self._name((host.decode("idna") if isinstance(host, bytes) else str(host)).lower().strip("[]").rstrip("."),
                       args[1])
        elif event == "socket.connect" and isinstance(args[1], tuple) and args[1]:  # AF_INET(6): (address, port…)
            self._address(str(args[1][0]))

    def _name(self, name: str, port: Any) -> None:
        allowed = self.names.get(name)
        if allowed is None:
            with self.lock:
                if name in self.checking:
                    return  # our own lookup, below
                self.checking.add(name)
            try:
                assert self.policy is not None
                allowed = name == self.target or self.policy.allows(name)
                if allowed:
                    import _socket
                    try:
                        self.addresses.update(str(info[4][0]) for info in _socket.getaddrinfo(name, port))
                    except OSError:
                        pass  # the caller's own lookup fails the same way, and says so
                self.names[name] = allowed
            finally:
                with self.lock:
                    self.checking.discard(name)
        if not allowed:
            raise RefusedHost(name)

    def _address(self, address: str) -> None:
        assert self.policy is not None
        if address not in self.addresses and not self.policy.allows(address):
            raise RefusedHost(address)


_GUARD = _ConnectionGuard()
_HOOKED: list[bool] = []


def guard_connections(policy: HostPolicy, base_url: str) -> Callable[[], None]:
    """Hold every connection this process opens to ``policy`` (the run's target allowed). Returns
    what turns the check off again."""
    if not _HOOKED:
        sys.addaudithook(_GUARD)
        _HOOKED.append(True)
    _GUARD.target = (urlsplit(base_url).hostname or "").lower()
    _GUARD.names, _GUARD.addresses = {}, set()
    _GUARD.policy = policy

    def undo() -> None:
        _GUARD.policy = None
    return undo
