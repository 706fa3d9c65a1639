"""HTTP/1.1 as servers out there speak it: raw-socket servers on 127.0.0.1 answer with exact
bytes, and every engine must read the same thing; the requests the server saw are compared too."""
from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable, Iterator

import pytest

from runner.load.engines import make_engine
from tests.raw_server import CLOSE, RESET, RawServer

ENGINES = ["fast", "httpx", "aiohttp"]
@pytest.fixture
def serve() -> Iterator[Callable[..., RawServer]]:
    servers: list[RawServer] = []

    def start(*answers: tuple[bytes, bool]) -> RawServer:
        servers.append(RawServer(list(answers)))
        return servers[-1]
    yield start
    for server in servers:
        server.close()


def send_all(engine_name: str, requests: list[tuple[str, str, bytes | None]]) -> list:
    async def main() -> list:
        engine = make_engine(engine_name, timeout_s=5.0, verify_tls=True)
        try:
            return [await engine.send(method, url, [("Accept", "*/*")], body) for method, url, body in requests]
        finally:
            await engine.close()
    return asyncio.run(main())


def ok(body: bytes, extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), extra, body)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("informational", [b"HTTP/1.1 100 Continue\r\n\r\n",
                                           b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"],
                         ids=["100-continue", "103-early-hints"])
def test_an_informational_answer_is_not_the_final_one(engine: str, informational: bytes, serve) -> None:
    server = serve((informational + ok(b"hello"), False), (ok(b"second"), False))
    url = f"http://127.0.0.1:{server.port}/x"
    first, second = send_all(engine, [("GET", url, None), ("GET", url, None)])
    assert (first.error, first.status, first.body) == (None, 200, b"hello")
    assert (second.error, second.status, second.body) == (None, 200, b"second")  # not the previous body


@pytest.mark.parametrize("engine", ENGINES)
def test_every_engine_reads_the_final_answer_s_header_fields(engine: str, serve) -> None:
    """The cookies and header fields of the final answer, not of an interim one before it (the fast
    engine reads them from the bytes that came in, only once asked for)."""
    interim = b"HTTP/1.1 103 Early Hints\r\nSet-Cookie: hint=1\r\nLink: </a.css>\r\n\r\n"
    final = ok(b"{}", b"SET-COOKIE: a=1; Path=/\r\nX-Request-Id:  r-7 \r\nset-cookie: b=2\r\n")
    server = serve((interim + final, False), (ok(b"plain"), False))
    url = f"http://127.0.0.1:{server.port}/"
    first, second = send_all(engine, [("GET", url, None), ("GET", url, None)])
    assert first.set_cookies() == ["a=1; Path=/", "b=2"] and second.set_cookies() == []
    assert (first.header("x-request-id"), first.header("link"), second.header("x-request-id")) == ("r-7", None, None)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("answer", [b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nclose-body",
                                    b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nclose-body"],
                         ids=["http-1.0", "no-length-connection-close"])
def test_a_body_delimited_by_the_connection_closing_is_read_to_the_end(engine: str, answer: bytes, serve) -> None:
    server = serve((answer, True))
    [reply] = send_all(engine, [("GET", f"http://127.0.0.1:{server.port}/", None)])
    assert (reply.error, reply.status, reply.body) == (None, 200, b"close-body")


@pytest.mark.parametrize("engine", ENGINES)
def test_chunked_bodies_with_trailers_and_answers_without_bodies(engine: str, serve) -> None:
    chunked = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n"
               b"5\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 11\r\n\r\n")
    server = serve((chunked, False), (b"HTTP/1.1 204 No Content\r\n\r\n", False),
                   (b"HTTP/1.1 304 Not Modified\r\nETag: \"a\"\r\n\r\n", False),
                   (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", False), (ok(b"last"), False))
    url = f"http://127.0.0.1:{server.port}/"
    replies = send_all(engine, [("GET", url, None), ("GET", url, None), ("GET", url, None), ("HEAD", url, None),
                                ("GET", url, None)])
    assert [(r.error, r.status, r.body) for r in replies] == [
        (None, 200, b"hello world"), (None, 204, b""), (None, 304, b""), (None, 200, b""), (None, 200, b"last")]


@pytest.mark.parametrize("engine", ENGINES)
def test_every_answer_saying_connection_close_and_a_server_closing_idle_connections(engine: str, serve) -> None:
    server = serve((ok(b"a", b"Connection: close\r\n"), True), (ok(b"b", b"Connection: close\r\n"), True),
                   (ok(b"c"), True))
    url = f"http://127.0.0.1:{server.port}/"
    replies = send_all(engine, [("GET", url, None)] * 4)
    assert [(r.error, r.body) for r in replies] == [(None, b"a"), (None, b"b"), (None, b"c"), (None, b"c")]
    assert len(server.requests) == 4


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("ending", [CLOSE, RESET], ids=["closed", "reset"])
def test_a_get_the_server_closed_a_pooled_connection_on_is_sent_once_more(engine: str, ending: bytes, serve) -> None:
    """The other order of the race above: the server closes (or resets) its idle connection only
    after the next GET reached it, unanswered. A GET may be sent again (browsers do), once, on a
    new connection; before, httpx reported it as a read error whenever the close came this late."""
    server = serve((ok(b"a"), False), (ending, True), (ok(b"again"), False))
    url = f"http://127.0.0.1:{server.port}/"
    replies = send_all(engine, [("GET", url, None)] * 2)
    assert [(r.error, r.body) for r in replies] == [(None, b"a"), (None, b"again")]
    assert len(server.requests) == 3


@pytest.mark.parametrize("engine", ENGINES)
def test_a_post_the_server_closed_on_is_never_sent_again(engine: str, serve) -> None:
    """The pooled connection's server reads the POST and closes without answering: it may have
    acted on it, so the engine reports an error rather than sending it a second time."""
    server = serve((ok(b"warm"), False), (CLOSE, True), (ok(b"again"), False))
    url = f"http://127.0.0.1:{server.port}/orders"
    warm, post = send_all(engine, [("GET", url, None), ("POST", url, b'{"n": 1}')])
    assert warm.error is None
    assert post.error is not None and post.status == 0
    assert [line.split()[0] for line in server.requests] == ["GET", "POST"]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("path, sent", [
    ("?x=1", "/?x=1"),
    ("/p#fragment", "/p"),
    ("/a b/ü?q=a b", "/a%20b/%C3%BC?q=a%20b"),
    ("/already%20encoded?q=%2F", "/already%20encoded?q=%2F"),
], ids=["query-without-path", "fragment", "needs-encoding", "already-encoded"])
def test_the_request_target_is_what_the_url_means(engine: str, path: str, sent: str, serve) -> None:
    server = serve((ok(b"ok"), False))
    [reply] = send_all(engine, [("GET", f"http://127.0.0.1:{server.port}{path}", None)])
    assert reply.error is None
    assert server.requests == [f"GET {sent} HTTP/1.1"]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_large_body_arrives_whole_and_a_slow_one_is_bounded_by_the_timeout(engine: str, serve) -> None:
    big = bytes(range(256)) * 8192  # 2 MiB
    server = serve((ok(big), False))
    [reply] = send_all(engine, [("GET", f"http://127.0.0.1:{server.port}/big", None)])
    assert (reply.error, len(reply.body)) == (None, len(big)) and reply.body == big


@pytest.mark.parametrize("engine", ENGINES)
def test_a_body_trickling_in_slower_than_the_timeout_is_a_timeout(engine: str) -> None:
    """Headers at once, then a byte every 0.2 s of a 100-byte body: the total timeout (1 s)
    covers reading the body too, so it ends as a timeout, not a hang."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    port = listener.getsockname()[1]

    def trickle() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
            for _ in range(15):  # bounded: 3 s at most
                try:
                    connection.sendall(b"x")
                except OSError:
                    return
                threading.Event().wait(0.2)
    threading.Thread(target=trickle, daemon=True).start()

    async def main() -> object:
        client = make_engine(engine, timeout_s=1.0, verify_tls=True)
        try:
            return await client.send("GET", f"http://127.0.0.1:{port}/slow", [], None)
        finally:
            await client.close()
    try:
        reply = asyncio.run(main())
    finally:
        listener.close()
    assert reply.error == "timeout"  # type: ignore[attr-defined]
