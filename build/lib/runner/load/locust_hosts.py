"""The host allow-list for a locustfile's requests, as a spec's requests have it (runner.load.flow):
every request Locust's clients send (HttpUser's requests session and FastHttpUser's
geventhttpclient agent), each redirect hop included, is checked before it is sent; a refused one
is never sent, fails as ``RefusedHost`` (Locust reports it as the request's failure) and is counted
as the error class ``refused_host`` with its host named. Imported only by the Locust worker."""
from __future__ import annotations

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
