"""One HTTP/1.1 connection, fed an answer in pieces as a socket delivers it: the reply it hands
back, whether the connection stays open, and the answers servers send that are not the common
case (1xx first, a body ended by the close, a body past the limit, a stale pooled connection)."""
from __future__ import annotations

import asyncio

from runner.load.engines.base import BODY_TOO_LARGE, Reply
from runner.load.engines.http1 import Http1Connection


class Transport:
    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True


def exchange(answer: list[bytes], head: bool = False, max_body: int = 1 << 20, close: bool = False,
             reused: bool = False) -> tuple[Reply, Http1Connection, Transport]:
    async def run() -> tuple[Reply, Http1Connection, Transport]:
        connection, transport = Http1Connection(max_body), Transport()
        connection.connection_made(transport)  # type: ignore[arg-type]
        connection.reused = reused
        waiter: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
        connection.start(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n", head, waiter)
        for piece in answer:
            connection.data_received(piece)
        if close:
            connection.connection_lost(None)
        return await asyncio.wait_for(waiter, 1), connection, transport
    return asyncio.run(run())


def test_an_answer_in_pieces_is_one_reply_and_the_connection_stays_open() -> None:
    reply, connection, transport = exchange([b"HTTP/1.1 200 OK\r\nContent-Le", b"ngth: 5\r\n\r\nhel", b"lo"])
    assert (reply.status, reply.body, reply.error) == (200, b"hello", None)
    assert transport.written == [b"GET / HTTP/1.1\r\nHost: t\r\n\r\n"]
    assert connection.keep_alive and not connection.closed and reply.bytes_in == 43


def test_a_100_continue_is_skipped_for_the_final_answer() -> None:
    reply, _, _ = exchange([b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"])
    assert (reply.status, reply.body) == (201, b"")


def test_a_body_without_a_length_ends_where_the_connection_does() -> None:
    reply, connection, _ = exchange([b"HTTP/1.0 200 OK\r\n\r\npart one, ", b"part two"], close=True)
    assert (reply.status, reply.body, reply.error) == (200, b"part one, part two", None)
    assert not connection.keep_alive


def test_a_body_past_the_limit_is_cut_and_its_connection_closed() -> None:
    reply, connection, transport = exchange([b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b"x" * 100],
                                            max_body=10)
    assert (reply.status, reply.body, reply.error) == (200, b"", BODY_TOO_LARGE)
    assert transport.closed and not connection.keep_alive


def test_a_pooled_connection_closed_before_any_byte_came_back_is_stale_and_a_garbled_answer_a_read_error() -> None:
    stale, _, _ = exchange([], close=True, reused=True)
    assert stale.error == "stale"  # an idempotent request is retried once on a new connection
    garbled, connection, _ = exchange([b"NOT HTTP AT ALL\r\n\r\n"])
    assert garbled.error == "read" and connection.closed


def test_a_head_answer_ends_at_its_headers() -> None:
    reply, connection, _ = exchange([b"HTTP/1.1 200 OK\r\nContent-Length: 512\r\n\r\n"], head=True)
    assert (reply.status, reply.body, reply.error) == (200, b"", None)
    assert connection.reset_parser is False  # a new parser for the next answer on this connection
