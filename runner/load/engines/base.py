"""The engine port: what the load generator needs from an HTTP client, and nothing more.

An engine never raises for a failed request: it returns a ``Reply`` whose ``error`` names
the class (timeout, connect, dns, tls, read), so the hot path has no exception handling.
"""
from __future__ import annotations

import re
import socket
import ssl
from collections.abc import AsyncIterator
from typing import Protocol, runtime_checkable
from urllib.parse import quote, urlsplit

# Sent once more when a pooled connection turns out closed before any of the answer came back.
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})
# The error of a request that waited its whole timeout for one of the engine's connections: it was
# never sent, so it is the generator's (counted apart), never the target's timeout. Also the
# message of the CancelledError an engine raises when a request is cancelled while still queued.
NOT_SENT = "not_sent"
INVALID_URL = "invalid_url"  # a URL (made by a template at run time) no engine can send: never sent
# An answer whose body (decompressed, where the engine decompresses) grew past the engine's limit
# (limits.max_body): the rest is not read, the connection closed, and the request is an error of its
# own class with the bytes read so far. API Gateway answers at most 10 MB; a 4 GB Content-Length,
# an endless chunked body or a gzip bomb must not take the worker's memory with it.
BODY_TOO_LARGE = "body_too_large"
DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024


_Headers = list[tuple[str, str]] | list[tuple[bytes, bytes]]


class Reply:
    __slots__ = ("_headers", "body", "bytes_in", "bytes_out", "error", "queued_s", "raw_head", "status")

    def __init__(self, status: int, headers: _Headers | None, body: bytes, error: str | None, bytes_in: int,
                 bytes_out: int, queued_s: float = 0.0, raw_head: bytes | None = None) -> None:
        """``headers`` None: read from ``raw_head`` (the bytes that came in until the answer's head was
        read: an interim 1xx head may come first, and the body's start after) only once asked for."""
        self.status = status  # 0 when there was no response
        self._headers = headers  # as the engine got them: str or raw bytes pairs
        self.raw_head = raw_head
        self.body = body
        self.error = error
        self.bytes_in = bytes_in
        self.bytes_out = bytes_out
        self.queued_s = queued_s  # waiting for one of the engine's connections: the generator's time, not the target's

    @property
    def headers(self) -> _Headers:
        if self._headers is None:
            self._headers = head_fields(self.raw_head or b"")
        return self._headers

    @headers.setter
    def headers(self, headers: _Headers) -> None:
        self._headers = headers

    def set_cookies(self) -> list[str]:
        """Every Set-Cookie header's value, in order."""
        if self._headers is None and self.raw_head is not None and self.raw_head[9:10] != b"1":
            end = self.raw_head.find(b"\r\n\r\n")  # a head without a 1xx before it: looked into as it came
            if end >= 0 and b"set-cookie" not in self.raw_head[:end].lower():
                return []
        found = []
        for key, value in self.headers:
            if len(key) == 10 and (key.lower() == b"set-cookie" if isinstance(key, bytes) else key.lower() == "set-cookie"):
                found.append(value.decode("latin-1") if isinstance(value, bytes) else value)
        return found

    def header(self, name: str) -> str | None:
        """The first header of that name (case-insensitive), or None."""
        wanted = name.lower()
        for key, value in self.headers:
            text = key.decode("latin-1") if isinstance(key, bytes) else key
            if text.lower() == wanted:
                return value.decode("latin-1") if isinstance(value, bytes) else value
        return None


_HEAD_END = re.compile(rb"\r?\n\r?\n")


def head_fields(raw: bytes) -> list[tuple[bytes, bytes]]:
    """The header fields of the final answer's head in ``raw`` (interim 1xx heads skipped), as
    (name, value) bytes, the value without the whitespace around it; a line folded onto the next
    (obs-fold) joined with a space."""
    start = 0
    while True:
        end = _HEAD_END.search(raw, start)
        head = raw[start:end.start()] if end is not None else raw[start:]
        status_line, _, lines = head.partition(b"\n")
        code = status_line.split(None, 2)[1:2]
        if end is not None and code and len(code[0]) == 3 and code[0][:1] == b"1" and code[0] != b"101":
            start = end.end()  # an interim answer (100 Continue, 103 Early Hints): the final one follows
            continue
        fields: list[tuple[bytes, bytes]] = []
        for line in lines.split(b"\n"):
            line = line.rstrip(b"\r")
            if line[:1] in (b" ", b"\t") and fields:
                name, value = fields[-1]
                fields[-1] = (name, (value + b" " + line.strip(b" \t")).strip(b" "))
            elif line:
                name, colon, value = line.partition(b":")
                if colon:
                    fields.append((name.strip(b" \t"), value.strip(b" \t")))
        return fields


async def read_bounded(chunks: AsyncIterator[bytes], max_bytes: int) -> bytes | None:
    """A body read chunk by chunk (decompressed where the client decodes), or None once it grows
    past ``max_bytes``: nothing more is read or kept (a decoder's one chunk is the most held)."""
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > max_bytes:
            return None
        parts.append(chunk)
    return b"".join(parts)


class Engine(Protocol):
    async def send(self, method: str, url: str, headers: list[tuple[str, str]], body: bytes | None,
                   timeout_s: float | None = None) -> Reply:
        ...

    async def close(self) -> None:
        ...


@runtime_checkable
class PacedEngine(Engine, Protocol):
    """An engine told how late the schedule runs: its connection pool does not grow while the
    generator is behind (runner/load/engines/fast.py)."""

    schedule_lag_s: float


def classify_exception(error: BaseException) -> str:
    """The error class of an exception raised while connecting or talking to a server."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, socket.gaierror):
            return "dns"
        if isinstance(current, (ssl.SSLError, ssl.CertificateError)):
            return "tls"
        if isinstance(current, TimeoutError):
            return "timeout"
        if isinstance(current, (ConnectionRefusedError, ConnectionAbortedError)):
            return "connect"
        if isinstance(current, (ConnectionResetError, BrokenPipeError)):
            # the server reset a connection the request went out on: a read error (before, its name,
            # "ConnectionResetError", made it a connect error; a reset while connecting is made one by
            # the engine that was connecting)
            return "read"
        current = current.__cause__ or current.__context__
    name = type(error).__name__.lower()
    if "timeout" in name:
        return "timeout"
    if "connect" in name:
        return "connect"
    return "read"


def sendable_origin(prefix: str) -> bool:
    """Whether ``scheme://authority`` names somewhere a request can go: a host, and a port in 1..65535."""
    try:
        parts = urlsplit(prefix)
        port = parts.port
    except ValueError:
        return False
    return bool(parts.hostname) and port != 0


def error_reply(error: str, bytes_out: int = 0, queued_s: float = 0.0) -> Reply:
    return Reply(0, [], b"", error, 0, bytes_out, queued_s)


_PATH_SAFE = "/?&=%:@!$'()*+,;-._~[]"  # what a request target may carry as is (RFC 3986); % kept as sent
_NEEDS_QUOTING = re.compile(r"[^A-Za-z0-9/?&=%:@!$'()*+,;\-._~\[\]]")


def split_target(url: str) -> tuple[str, str]:
    """(scheme://authority, request target) as every engine sends them: a fragment is dropped,
    a query with no path is the root's (``http://h?x=1`` -> ``/?x=1``), and what a target
    cannot carry as is gets percent-encoded (``/a b/ü`` -> ``/a%20b/%C3%BC``); what is already
    encoded stays as it is."""
    hash_at = url.find("#")
    if hash_at >= 0:
        url = url[:hash_at]
    authority = url.find("//") + 2 if "//" in url else 0
    ends = [i for i in (url.find("/", authority), url.find("?", authority)) if i >= 0]
    cut = min(ends) if ends else -1
    prefix, target = (url, "/") if cut < 0 else (url[:cut], url[cut:])
    if target.startswith("?"):
        target = "/" + target
    if _NEEDS_QUOTING.search(target):
        target = quote(target, safe=_PATH_SAFE)
    return prefix, target
