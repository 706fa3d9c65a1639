"""One HTTP/1.1 connection as an asyncio Protocol, parsed by httptools' C parser: a request
written, its answer read (1xx skipped; a body delimited by Content-Length, chunking or the
connection's close; one past the body limit cut and the connection closed). The pool that holds
these connections is runner.load.engines.fast."""
from __future__ import annotations

import asyncio
from collections.abc import Callable

import httptools

from runner.load.engines.base import BODY_TOO_LARGE, DEFAULT_MAX_BODY_BYTES, Reply, error_reply, head_fields

# An answer whose head (interim 1xx heads included) has not ended within this many bytes is refused as
# unreadable ("read"), the connection closed: a head is kept whole until it ends (Node.js refuses past 16
# KiB, aiohttp a field past 8,190 bytes; API Gateway's answers are far below either).
MAX_HEAD_BYTES = 64 * 1024


class Http1Connection(asyncio.Protocol):
    __slots__ = (
        "body",
        "body_bytes",
        "bytes_in",
        "closed",
        "deadline",
        "expiry",
        "free",
        "head",
        "headers_done",
        "idle_since",
        "keep_alive",
        "max_body",
        "origin",
        "parser",
        "raw",
        "release",
        "reset_parser",
        "reused",
        "status",
        "transport",
        "waiter",
    )

    def __init__(self, max_body: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future[Reply] | None = None
        # what came in until the answer's head was read (its header fields are read from it only if asked
        # for: an on_header callback per field cost ~9 % of a request's instructions)
        self.raw: list[bytes] = []
        self.body: list[bytes] = []
        self.body_bytes = 0  # of this answer's body, read so far
        self.max_body = max_body
        self.bytes_in = 0
        self.closed = False
        self.keep_alive = True
        self.head = False
        self.headers_done = False
        self.reused = False
        self.reset_parser = False
        self.idle_since = 0.0
        self.deadline = 0.0  # loop time the request now on this connection times out at
        self.expiry: asyncio.TimerHandle | None = None  # its timer, armed only once that is near
        # the pool's: called with this connection's origin and itself once an answer is read whole and the
        # connection stays open (it may send the next waiting request at once); it is then no longer the
        # request's to close
        self.origin: tuple[str, str, int] = ("", "", 0)
        self.release: Callable[[tuple[str, str, int], Http1Connection], None] | None = None
        self.free = False  # an answer was read whole in the chunk being parsed (data_received)

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.bytes_in += len(data)
        if not self.headers_done:
            self.raw.append(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self._finish(error_reply("read"))
            self.keep_alive = False
            self._close()
        if not self.headers_done and self.bytes_in > MAX_HEAD_BYTES:  # a head without end: unreadable
            self._finish(error_reply("read"))
            self.keep_alive = False
            self._close()
        if self.reset_parser:
            self.reset_parser = False
            self.parser = httptools.HttpResponseParser(self)
        if self.free:  # an answer read whole: back to the pool now, not a turn of the loop later when the
            # request's task runs: sent at once for the first request waiting for one, or idle for the next
            # (the pool's give-back). Only after the whole chunk is parsed: bytes after the answer are never
            # taken as the next request's.
            self.free = False
            if self.keep_alive and not self.closed and self.release is not None:
                if self.expiry is not None:  # disarm(), inlined
                    self.expiry.cancel()
                    self.expiry = None
                self.waiter = None
                self.release(self.origin, self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            if self.headers_done and exc is None and self._delimited_by_close():
                # HTTP/1.0, or no Content-Length and no chunking: the body ends where the connection does
                self.keep_alive = False
                body = b"".join(self.body)
                self._finish(Reply(self.parser.get_status_code(), None, body, None, self.bytes_in, 0,
                                   raw_head=self._raw_head()))
            elif self.bytes_in == 0 and self.reused:
                self._finish(error_reply("stale"))
            else:
                self._finish(error_reply("read"))

    def _raw_head(self) -> bytes:
        return self.raw[0] if len(self.raw) == 1 else b"".join(self.raw)

    def _delimited_by_close(self) -> bool:
        for name, value in head_fields(self._raw_head()):
            lowered = name.lower()
            if lowered == b"content-length" or (lowered == b"transfer-encoding" and b"chunked" in value.lower()):
                return False
        return True

    # httptools callbacks (no on_header: see self.raw)
    def on_headers_complete(self) -> None:
        self.headers_done = True
        if self.head and not 100 <= self.parser.get_status_code() < 200:
            self.reset_parser = True
            self.on_message_complete()

    def on_body(self, body: bytes) -> None:
        before = self.body_bytes
        self.body_bytes = before + len(body)
        if self.body_bytes > self.max_body:  # not kept: the answer ends here, and so does the connection
            if before <= self.max_body:  # crossed just now
                self.body = []
                self._finish(Reply(self.parser.get_status_code(), None, b"", BODY_TOO_LARGE,
                                   self.bytes_in, 0, raw_head=self._raw_head()))
                self.keep_alive = False
                self._close()
            return
        self.body.append(body)

    def on_message_complete(self) -> None:
        status = self.parser.get_status_code()
        if 100 <= status < 200 and status != 101:  # 100 Continue, 103 Early Hints: the final answer follows
            self.body, self.headers_done, self.body_bytes = [], False, 0  # its head stays in self.raw: skipped
            return
        if self.body_bytes > self.max_body:
            return  # answered already: body_too_large
        self.keep_alive = self.parser.should_keep_alive()
        # _raw_head() and _finish(), inlined: every answer comes through here (a call costs on each)
        parts, raw = self.body, self.raw
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(Reply(status, None, parts[0] if len(parts) == 1 else b"".join(parts), None,
                                    self.bytes_in, 0, 0.0, raw[0] if len(raw) == 1 else b"".join(raw)))
            self.free = self.release is not None  # back to the pool once what came in is parsed (data_received)

    def _finish(self, reply: Reply) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(reply)

    def disarm(self) -> None:
        if self.expiry is not None:
            self.expiry.cancel()
            self.expiry = None

    def _close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def start(self, payload: bytes, head: bool, waiter: asyncio.Future[Reply]) -> None:
        self.waiter = waiter
        self.raw = []
        self.headers_done = False
        self.body = []
        self.body_bytes = 0
        self.bytes_in = 0
        self.head = head
        try:
            self.transport.write(payload)  # type: ignore[union-attr]
        except (RuntimeError, AttributeError, OSError):  # closed under us
            self.closed = True
            self._finish(error_reply("stale" if self.reused else "read"))
