"""The HTTP/2-capable engine on httpx (slower: use it where a target needs HTTP/2).

httpx's timeouts are per operation (a read may wait that long for each chunk); the target's
timeout is the whole request's, as in the other engines, so the request runs under it too."""
from __future__ import annotations

import asyncio
import http.cookiejar

import httpx

from runner.load.engines.base import (
    BODY_TOO_LARGE,
    DEFAULT_MAX_BODY_BYTES,
    IDEMPOTENT,
    INVALID_URL,
    Reply,
    classify_exception,
    error_reply,
    read_bounded,
    sendable_origin,
    split_target,
)
from runner.load.engines.gate import ConnectionGate

# Cookies belong to each virtual user (runner.load.flow), never to the engine shared by all of them.
_NO_COOKIES = http.cookiejar.CookieJar(policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))


class HttpxEngine:
    def __init__(self, timeout_s: float, verify_tls: bool = True, http2: bool = False,
                 max_connections: int = 1024, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self._timeout_s = timeout_s
        self._max_body_bytes = max_body_bytes  # decompressed: httpx decodes gzip, deflate and br as it reads
        # The cap is the gate's, per origin, and the time queued at it is measured; httpx's own
        # (for all origins together, and queued inside the request) never binds.
        self._gate = ConnectionGate(max_connections)
        self._client = httpx.AsyncClient(
            http2=http2, verify=verify_tls, timeout=httpx.Timeout(timeout_s),
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=None),
            follow_redirects=False, cookies=_NO_COOKIES)

    async def send(self, method: str, url: str, headers: list[tuple[str, str]], body: bytes | None,
                   timeout_s: float | None = None) -> Reply:
        bytes_out = len(body or b"") + sum(len(k) + len(v) + 4 for k, v in headers) + len(url) + 16
        prefix, target = split_target(url)  # the same request target every engine sends
        limit_s = timeout_s or self._timeout_s
        try:
            httpx.URL(prefix + target)
            if not sendable_origin(prefix):
                raise ValueError(prefix)
        except (httpx.InvalidURL, ValueError, TypeError):  # an engine never raises for a request
            return error_reply(INVALID_URL)
        return await self._gate.send(prefix, limit_s, lambda send_timeout_s: self._send(
            method, prefix + target, headers, body, send_timeout_s, bytes_out))

    async def _send(self, method: str, url: str, headers: list[tuple[str, str]], body: bytes | None,
                    limit_s: float, bytes_out: int) -> Reply:
        try:
            answer = await asyncio.wait_for(self._request(method, url, headers, body, limit_s), limit_s)
        except (httpx.TimeoutException, TimeoutError):
            return error_reply("timeout", bytes_out)
        except httpx.ConnectError as error:
            kind = classify_exception(error)
            return error_reply("connect" if kind in ("read", "timeout") else kind, 0)
        except (httpx.HTTPError, OSError) as error:
            kind = classify_exception(error)
            return error_reply(kind, 0 if kind in ("connect", "dns", "tls") else bytes_out)
        response, body_in = answer
        headers_in = [(k.lower(), v) for k, v in response.headers.multi_items()]  # each Set-Cookie apart
        bytes_in = response.num_bytes_downloaded + sum(len(k) + len(v) + 4 for k, v in headers_in) + 17
        if body_in is None:
            return Reply(response.status_code, headers_in, b"", BODY_TOO_LARGE, bytes_in, bytes_out)
        return Reply(response.status_code, headers_in, body_in, None, bytes_in, bytes_out)

    async def _request(self, method: str, url: str, headers: list[tuple[str, str]], body: bytes | None,
                       limit_s: float) -> tuple[httpx.Response, bytes | None]:
        # As the fast engine does: an idempotent request whose connection failed before any answer
        # came back (a pooled connection the server had closed: httpx checks one before using it, but
        # a close arriving after that check reaches the request, as a clean close or a reset) is sent
        # once more; a POST never is, nor a request whose answer had begun.
        request = self._client.build_request(method, url, headers=headers, content=body, timeout=httpx.Timeout(limit_s))
        try:
            response = await self._client.send(request, stream=True)  # returns once the answer's head is read
        except (httpx.RemoteProtocolError, httpx.ReadError) as error:
            nothing_back = isinstance(error, httpx.ReadError) or "without sending a response" in str(error)
            if method not in IDEMPOTENT or not nothing_back:
                raise
            response = await self._client.send(request, stream=True)
        try:
            return response, await read_bounded(response.aiter_bytes(), self._max_body_bytes)
        finally:
            await response.aclose()

    async def close(self) -> None:
        await self._client.aclose()
