"""The fast engine's request line and Host header, per origin: the default port left out, an IPv6
literal in brackets (RFC 9110 7.2: uri-host with an IP-literal), a URL no server could be at refused."""
from __future__ import annotations

import pytest

from runner.load.engines.base import Reply
from runner.load.engines.fast import FastEngine
from tests.unit.runner.load.engines.test_http1 import Transport


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


def _answer(body: bytes) -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)


def _two_requests_on_one_connection(chunks: list[bytes], cancel_first: bool = False,
                                    ) -> tuple[list[list[bytes]], list[Reply | BaseException]]:
    """GET /first, then GET /second, on an engine with one connection (to a transport that keeps what is
    written): the second waits for it. Each chunk then comes in on the connection in turn (``cancel_first``:
    the first request's task is cancelled right after the first chunk, before it runs again). What had been
    written before the first chunk and after each, and the two replies."""
    import asyncio

    from runner.load.engines.http1 import Http1Connection

    async def main() -> tuple[list[list[bytes]], list[Reply | BaseException]]:
        engine = FastEngine(timeout_s=5.0, max_connections=1)
        origin = ("http", "127.0.0.1", 1)
        connection, transport = Http1Connection(), Transport()
        connection.origin, connection.release = origin, engine._give_back
        connection.connection_made(transport)  # type: ignore[arg-type]
        engine._all.add(connection)
        engine._open[origin], engine._idle[origin] = 1, [connection]
        first = asyncio.ensure_future(engine.send("GET", "http://127.0.0.1:1/first", [], None))
        await asyncio.sleep(0)
        second = asyncio.ensure_future(engine.send("GET", "http://127.0.0.1:1/second", [], None))
        await asyncio.sleep(0)  # the only connection is busy: the second request waits
        written = [list(transport.written)]
        for index, chunk in enumerate(chunks):
            if transport.closed:  # nothing comes in on a closed connection: it is lost
                connection.connection_lost(None)
                break
            connection.data_received(chunk)
            written.append(list(transport.written))
            if cancel_first and index == 0:
                first.cancel()
                await asyncio.sleep(0)  # its task runs (and ends) before the next chunk comes in
        replies = list(await asyncio.gather(first, second, return_exceptions=True))
        await engine.close()
        return written, replies
    return asyncio.run(main())


def test_a_connection_that_comes_back_sends_the_first_waiting_request_from_its_own_callback() -> None:
    """Near a worker's ceiling most requests wait for a connection: the one that comes back sends the first
    waiting request the moment its answer is read, not a turn of the loop later when that request's task
    runs (measured with three 30 ms stalls of the worker at 10,000 arrivals/s, 8 runs side by side: 853
    requests waited past the lag tolerance for a connection against 1,310 before, on average)."""
    written, replies = _two_requests_on_one_connection([_answer(b"ok"), _answer(b"ok")])
    paths = [[data.split(b" ")[1] for data in snapshot] for snapshot in written]
    assert paths[:2] == [[b"/first"], [b"/first", b"/second"]]  # out within the first answer's data_received
    assert [(r.status, r.error, r.queued_s > 0) for r in replies if isinstance(r, Reply)] == \
        [(200, None, False), (200, None, True)]


def test_a_request_cancelled_after_its_answer_came_leaves_the_connection_it_handed_on_alone() -> None:
    """The run's end cancels what is still in flight: a request whose answer was read, its connection already
    sending the next waiting request, is cancelled before its task runs again. It must not close that
    connection under the other request (before: that request failed, and its retry found no connection)."""
    _, replies = _two_requests_on_one_connection([_answer(b"first"), _answer(b"second")], cancel_first=True)
    assert isinstance(replies[0], BaseException)
    second = replies[1]
    assert isinstance(second, Reply) and (second.status, second.error, second.body) == (200, None, b"second")


def test_bytes_after_an_answer_are_never_taken_as_the_next_waiting_request_s() -> None:
    """A server that sends more than the answer in one chunk (an answer nobody asked for): the connection
    goes on to the waiting request only once the whole chunk is parsed, so its answer is its own."""
    _, replies = _two_requests_on_one_connection([_answer(b"first") + _answer(b"unasked"), _answer(b"second")])
    assert [reply.body for reply in replies if isinstance(reply, Reply)] == [b"first", b"second"]
