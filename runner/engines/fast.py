"""The default HTTP/1.1 engine: an asyncio Protocol per connection, httptools' C parser,
and a LIFO keep-alive pool per origin. No per-request objects beyond a future and a timer.

Timeouts cover the whole request (connect, send, wait, read). A request that finds a
pooled connection closed by the server before any byte came back is retried once on a
new connection: nothing was processed, so this cannot send load twice.
"""
from __future__ import annotations

import asyncio
import socket
import ssl
from urllib.parse import urlsplit

import httptools

from runner.engines.base import Reply, classify_exception, error_reply

_Origin = tuple[str, str, int]  # scheme, host, port


class _Connection(asyncio.Protocol):
    __slots__ = ("transport", "parser", "waiter", "status", "headers", "body", "bytes_in",
                 "closed", "keep_alive", "head", "reused", "reset_parser")

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future[Reply] | None = None
        self.headers: list[tuple[str, str]] = []
        self.body: list[bytes] = []
        self.bytes_in = 0
        self.closed = False
        self.keep_alive = True
        self.head = False
        self.reused = False
        self.reset_parser = False

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.bytes_in += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self._finish(error_reply("read"))
            self.keep_alive = False
            self._close()
        if self.reset_parser:
            self.reset_parser = False
            self.parser = httptools.HttpResponseParser(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            if self.bytes_in == 0 and self.reused:
                self._finish(error_reply("stale"))
            else:
                self._finish(error_reply("read"))

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.decode("latin-1").lower(), value.decode("latin-1")))

    def on_headers_complete(self) -> None:
        if self.head:
            self.reset_parser = True
            self.on_message_complete()

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.keep_alive = self.parser.should_keep_alive()
        status = self.parser.get_status_code()
        body = b"".join(self.body) if len(self.body) != 1 else self.body[0]
        self._finish(Reply(status, self.headers, body, None, self.bytes_in, 0))

    def _finish(self, reply: Reply) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(reply)

    def _close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def start(self, payload: bytes, head: bool, waiter: asyncio.Future[Reply]) -> None:
        self.waiter = waiter
        self.headers = []
        self.body = []
        self.bytes_in = 0
        self.head = head
        assert self.transport is not None
        self.transport.write(payload)


class FastEngine:
    def __init__(self, timeout_s: float, verify_tls: bool = True) -> None:
        self.timeout_s = timeout_s
        self._idle: dict[_Origin, list[_Connection]] = {}
        self._origins: dict[str, tuple[_Origin, bytes, int]] = {}
        self._ssl = ssl.create_default_context()
        if not verify_tls:
            self._ssl.check_hostname = False
            self._ssl.verify_mode = ssl.CERT_NONE
        self._all: set[_Connection] = set()

    def _split(self, url: str) -> tuple[_Origin, bytes, str]:
        # Cache by the scheme://host:port prefix so the hot path does one dict lookup.
        slash = url.find("/", url.find("//") + 2) if "//" in url else -1
        prefix, path = (url, "/") if slash < 0 else (url[:slash], url[slash:])
        cached = self._origins.get(prefix)
        if cached is None:
            parts = urlsplit(prefix)
            scheme = parts.scheme
            port = parts.port or (443 if scheme == "https" else 80)
            host = parts.hostname or ""
            default_port = (scheme == "https" and port == 443) or (scheme == "http" and port == 80)
            host_header = host if default_port else f"{host}:{port}"
            if ":" in host and not default_port:
                host_header = f"[{host}]:{port}"
            cached = ((scheme, host, port), f"Host: {host_header}\r\n".encode("latin-1"), 0)
            self._origins[prefix] = cached
        return cached[0], cached[1], path

    async def send(self, method: str, url: str, headers: list[tuple[str, str]], body: bytes | None) -> Reply:
        origin, host_line, path = self._split(url)
        lines = [f"{method} {path} HTTP/1.1\r\n".encode("latin-1"), host_line]
        for name, value in headers:
            lines.append(f"{name}: {value}\r\n".encode("latin-1", "replace"))
        if body is not None:
            lines.append(b"Content-Length: %d\r\n\r\n" % len(body))
            lines.append(body)
        else:
            lines.append(b"\r\n")
        payload = b"".join(lines)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout_s
        for _ in range(2):
            reply = await self._attempt(loop, origin, payload, method == "HEAD", deadline)
            if reply.error != "stale":
                reply.bytes_out = len(payload) if reply.error != "connect" else 0
                return reply
        return error_reply("read", len(payload))

    async def _attempt(self, loop: asyncio.AbstractEventLoop, origin: _Origin, payload: bytes,
                       head: bool, deadline: float) -> Reply:
        idle = self._idle.get(origin)
        connection: _Connection | None = None
        while idle:
            candidate = idle.pop()
            if not candidate.closed and candidate.transport is not None and not candidate.transport.is_closing():
                connection = candidate
                connection.reused = True
                break
        if connection is None:
            try:
                connection = await asyncio.wait_for(self._connect(loop, origin), deadline - loop.time())
            except (asyncio.TimeoutError, TimeoutError):
                return error_reply("timeout")
            except (OSError, ssl.SSLError) as error:
                kind = classify_exception(error)
                return error_reply("connect" if kind == "read" else kind)
        waiter: asyncio.Future[Reply] = loop.create_future()
        timer = loop.call_at(deadline, _expire, waiter)
        connection.start(payload, head, waiter)
        try:
            reply = await waiter
        finally:
            timer.cancel()
        if reply.error is None and connection.keep_alive and not connection.closed:
            connection.waiter = None
            self._idle.setdefault(origin, []).append(connection)
        else:
            connection._close()
            self._all.discard(connection)
        return reply

    async def _connect(self, loop: asyncio.AbstractEventLoop, origin: _Origin) -> _Connection:
        scheme, host, port = origin
        context = self._ssl if scheme == "https" else None
        _, connection = await loop.create_connection(
            _Connection, host, port, ssl=context, server_hostname=host if context else None)
        sock = connection.transport.get_extra_info("socket") if connection.transport else None
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._all.add(connection)
        return connection

    async def close(self) -> None:
        for connection in list(self._all):
            connection._close()
        self._all.clear()
        self._idle.clear()


def _expire(waiter: asyncio.Future[Reply]) -> None:
    if not waiter.done():
        waiter.set_result(error_reply("timeout"))
