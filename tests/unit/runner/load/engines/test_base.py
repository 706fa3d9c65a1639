"""What every engine shares: the error class of a failure (the cause chain read, as a wrapped
socket error surfaces from an HTTP client), which origins a request can go to, and which engines
are told how late the schedule runs."""
from __future__ import annotations

import asyncio
import socket
import ssl

import pytest

from runner.load.engines.base import NOT_SENT, PacedEngine, classify_exception, error_reply, sendable_origin
from runner.load.engines.fast import FastEngine
from runner.load.engines.httpx_engine import HttpxEngine


def wrapped(cause: BaseException) -> Exception:
    try:
        raise cause
    except BaseException as inner:
        try:
            raise RuntimeError("the client's own error") from inner
        except RuntimeError as outer:
            return outer


@pytest.mark.parametrize(("error", "kind"), [
    (socket.gaierror("no such host"), "dns"), (ssl.SSLError("bad handshake"), "tls"),
    (TimeoutError(), "timeout"), (ConnectionRefusedError(), "connect"),
    (wrapped(socket.gaierror("no such host")), "dns"), (wrapped(ConnectionRefusedError()), "connect"),
    (type("ReadTimeoutError", (Exception,), {})(), "timeout"), (ValueError("half a response"), "read")])
def test_a_failure_is_classed_by_what_caused_it(error: BaseException, kind: str) -> None:
    assert classify_exception(error) == kind


def test_an_origin_needs_a_host_and_a_port_a_request_can_go_to() -> None:
    assert sendable_origin("http://127.0.0.1:8080")
    assert not sendable_origin("http://:8080") and not sendable_origin("http://127.0.0.1:0")
    assert not sendable_origin("http://127.0.0.1:99999")


def test_an_error_reply_carries_no_status_and_what_was_sent() -> None:
    reply = error_reply(NOT_SENT, bytes_out=0, queued_s=1.5)
    assert (reply.status, reply.error, reply.queued_s) == (0, NOT_SENT, 1.5)


def test_the_fast_engine_is_told_the_schedule_s_lag_and_httpx_is_not() -> None:
    async def check() -> None:
        fast, plain = FastEngine(timeout_s=1.0), HttpxEngine(timeout_s=1.0)
        try:
            assert isinstance(fast, PacedEngine) and not isinstance(plain, PacedEngine)
        finally:
            await fast.close()
            await plain.close()
    asyncio.run(check())


def test_a_reset_or_a_broken_pipe_after_sending_is_a_read_error_not_a_connect_one() -> None:
    assert classify_exception(ConnectionResetError(104, "Connection reset by peer")) == "read"
    assert classify_exception(BrokenPipeError(32, "Broken pipe")) == "read"
    wrapped = RuntimeError("the library's own")
    wrapped.__cause__ = ConnectionResetError()
    assert classify_exception(wrapped) == "read"
    assert classify_exception(ConnectionRefusedError()) == "connect"


def test_the_header_fields_are_read_from_the_head_only_when_asked_for() -> None:
    """The fast engine keeps what came in until the head was read; its fields are read from it
    only if a check, capture or the cookie jar asks: the final answer's, after any interim 1xx
    head, whatever the line endings, a folded line joined to the one before it."""
    from runner.load.engines.base import Reply, head_fields
    raw = (b"HTTP/1.1 100 Continue\r\nX-Interim: yes\r\n\r\n"
           b"HTTP/1.1 200 OK\r\nContent-Type:  application/json \r\nX-Long: one\r\n\ttwo\r\n"
           b"set-COOKIE: a=1\r\nSet-Cookie: b=2\r\n\r\n{\"id\": 1}")
    assert head_fields(raw) == [(b"Content-Type", b"application/json"), (b"X-Long", b"one two"),
                                (b"set-COOKIE", b"a=1"), (b"Set-Cookie", b"b=2")]
    reply = Reply(200, None, b'{"id": 1}', None, len(raw), 0, raw_head=raw)
    assert reply.set_cookies() == ["a=1", "b=2"]  # in the final head, behind an interim one
    assert reply.header("content-type") == "application/json" and reply.header("x-interim") is None
    bare = b"HTTP/1.0 200 OK\nSet-Cookie: c=3\n\nbody"  # LF alone ends lines too
    assert Reply(200, None, b"body", None, 0, 0, raw_head=bare).set_cookies() == ["c=3"]
    plain = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    assert Reply(200, None, b"ok", None, 0, 0, raw_head=plain).set_cookies() == []
    assert head_fields(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n") == [
        (b"Upgrade", b"websocket")]  # 101 is an answer of its own, not an interim one
