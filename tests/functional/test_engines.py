"""Every engine against real servers on 127.0.0.1: statuses, bodies and each error class."""
from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from runner.load.engines import make_engine
from runner.load.engines.base import classify_exception

ENGINES = ["fast", "httpx", "aiohttp"]


def send(engine_name: str, url: str, method: str = "GET", body: bytes | None = None, timeout_s: float = 5.0,
         headers: list[tuple[str, str]] | None = None, times: int = 1):
    async def main():
        engine = make_engine(engine_name, timeout_s, verify_tls=True)
        try:
            return [await engine.send(method, url, headers or [], body) for _ in range(times)]
        finally:
            await engine.close()
    replies = asyncio.run(main())
    return replies[0] if times == 1 else replies


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def half_answer_server() -> Iterator[str]:
    """Answers every request with half a response, then closes the connection."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    port = server.getsockname()[1]
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly-part")
            conn.close()
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    stop.set()
    thread.join(5)
    server.close()


@pytest.mark.parametrize("engine", ENGINES)
def test_statuses_bodies_and_headers_come_back(engine: str, demo_target) -> None:
    demo = demo_target()
    reply = send(engine, demo.url + "/generate", "POST", json.dumps({"prompt": "x"}).encode(),
                 headers=[("Content-Type", "application/json")])
    assert reply.error is None and reply.status == 202
    assert "jobId" in json.loads(reply.body)
    assert reply.header("Content-Type").startswith("application/json")
    assert reply.bytes_in > len(reply.body) and reply.bytes_out > 0
    missing = send(engine, demo.url + "/status/nope")
    assert missing.status == 404


@pytest.mark.parametrize("engine", ENGINES)
def test_keep_alive_connections_are_reused_for_many_requests(engine: str, demo_target) -> None:
    demo = demo_target()
    replies = send(engine, demo.url + "/gallery", times=50)
    assert [r.status for r in replies] == [200] * 50
    assert demo.state.seen["GET /gallery 200"] == 50


@pytest.mark.parametrize("engine_name", ENGINES)
@pytest.mark.parametrize("timeout_s", [0.02, 0.2])
def test_a_slow_answer_is_a_timeout(engine_name: str, timeout_s: float, demo_target) -> None:
    """Timeouts shorter and longer than the fast engine's deadline sweep (a timeout nearer than
    the sweep gets its timer at once; a later one when a sweep finds it near): a quick answer
    first, then two slow requests in turn, each a timeout."""
    demo = demo_target(latency="fixed:2s")
    fast = demo_target(latency="fixed:0ms")

    async def main():
        engine = make_engine(engine_name, timeout_s, verify_tls=True)
        try:
            first = await engine.send("GET", fast.url + "/gallery", [], None, 10.0)  # its own: a busy host is slow
            slow = [await engine.send("GET", demo.url + "/gallery", [], None) for _ in range(2)]
            return first, slow
        finally:
            await engine.close()
    first, slow = asyncio.run(main())
    assert first.status == 200
    assert [(reply.status, reply.error) for reply in slow] == [(0, "timeout")] * 2


@pytest.mark.parametrize("engine", ENGINES)
def test_a_refused_connection_is_a_connect_error(engine: str, closed_port: int) -> None:
    reply = send(engine, f"http://127.0.0.1:{closed_port}/")
    assert (reply.status, reply.error, reply.bytes_out) == (0, "connect", 0)


@pytest.mark.parametrize("engine", ENGINES)
def test_tls_to_a_plain_http_server_is_a_tls_error(engine: str, demo_target) -> None:
    demo = demo_target()
    reply = send(engine, demo.url.replace("http://", "https://") + "/gallery")
    assert reply.error in ("tls", "read") if engine != "fast" else reply.error == "tls"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_connection_dropped_mid_response_is_a_read_error(engine: str, half_answer_server: str) -> None:
    reply = send(engine, half_answer_server + "/")
    assert reply.error == "read"


def test_name_resolution_failures_are_classified_as_dns() -> None:
    assert classify_exception(socket.gaierror(-2, "Name or service not known")) == "dns"
    wrapped = OSError("connect failed")
    wrapped.__cause__ = socket.gaierror(-3, "Temporary failure in name resolution")
    assert classify_exception(wrapped) == "dns"


@pytest.mark.parametrize("engine", ["fast", "aiohttp", "httpx"])
def test_a_name_that_does_not_resolve_is_a_dns_error(engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Injected without sending a query anywhere: the resolver answers 'no such name'."""
    real = socket.getaddrinfo

    def no_such_name(host, *args, **kwargs):
        if str(host).endswith(".invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)
    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)
    reply = send(engine, "http://squall-dns-test.invalid:8080/")
    assert (reply.status, reply.error, reply.bytes_out) == (0, "dns", 0)


def never_saturated() -> float:
    return 0.0  # a CPU clock that never moves: the worker is never short of CPU


def burst(url: str, requests: int, schedule_lag_s: float = 0.0, timeout_s: float = 10.0,
          cpu_clock=never_saturated) -> tuple[int, float, list]:
    """``requests`` GETs at once through one fast engine: (connections it opened, seconds, replies).
    The worker is taken to have CPU to spare unless ``cpu_clock`` says otherwise (a busy test host
    must not decide how the pool grows)."""
    from runner.load.engines.fast import FastEngine

    async def main():
        engine = FastEngine(timeout_s=timeout_s, cpu_clock=cpu_clock)
        engine.schedule_lag_s = schedule_lag_s
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            replies = await asyncio.gather(*(engine.send("GET", url, [], None) for _ in range(requests)))
            return len(engine._all), loop.time() - started, replies
        finally:
            await engine.close()
    return asyncio.run(main())


def test_past_the_first_connections_a_request_waits_for_a_pooled_one_within_its_patience(demo_target,
                                                                                       monkeypatch) -> None:
    """Past the first 64 connections (GROWS_FREELY) a request waits (2 ms here; a long patience in the test, to make it
    certain) for a pooled connection to come back before opening another: a burst to a fast target
    does not open hundreds of connections (a pool grown to 1,024 made the worker 2.4x dearer per
    request); every request is still answered."""
    from runner.load.engines.fast import GROWS_FREELY
    monkeypatch.setattr("runner.load.engines.fast.PATIENCE_S", 30.0)
    fast = demo_target(latency="fixed:0ms", concurrency=10_000)
    opened, _, replies = burst(fast.url + "/health", 600)
    assert all(r.status == 200 for r in replies) and len(replies) == 600
    assert opened == GROWS_FREELY


def test_a_burst_to_a_slow_target_grows_the_pool_unless_the_schedule_is_late(demo_target) -> None:
    # 2 s: the pool grows by a quarter per 2 ms window, and on a busy host (a full parallel suite on
    # 2 cores) those windows took long enough that 200 ms answers came back first (75 opened, once)
    from runner.load.engines.fast import GROWS_FREELY
    slower = demo_target(latency="fixed:2000ms", concurrency=10_000)
    opened, _, replies = burst(slower.url + "/health", 200)
    assert all(r.status == 200 for r in replies) and opened == 200  # none came back within 2 ms: opened
    slow = demo_target(latency="fixed:200ms", concurrency=10_000)
    opened, took_s, replies = burst(slow.url + "/health", 300, schedule_lag_s=5.0)  # the worker is far behind
    assert all(r.status == 200 for r in replies) and opened == GROWS_FREELY and took_s > 0.8  # 5 rounds of 200 ms


def test_a_target_holding_every_connection_gets_them_while_the_worker_is_a_little_behind() -> None:
    """A target that accepts and never answers, on a busy host (the worker's schedule 10 ms late):
    requests that waited well past the worker's own lateness wait for the target, so the pool grows
    for them and each request is the target's timeout. Before, no connection past the first 16 was
    opened while the schedule was late: 44 of 60 requests timed out in the queue, never sent, and
    the run blamed the generator's connection limit."""
    from runner.load.engines.fast import GROWS_FREELY
    from tests.raw_server import RawServer
    holding = RawServer([(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", False)], delay_s=30.0)
    requests = 2 * GROWS_FREELY
    try:
        opened, _, replies = burst(holding.url + "/", requests, schedule_lag_s=0.01, timeout_s=1.0)
        peak = holding.open_peak
    finally:
        holding.close()
    assert [r.error for r in replies] == ["timeout"] * requests  # the target's, each one sent
    assert peak == requests and len(holding.requests) == requests


def test_a_target_that_pauses_for_a_moment_grows_the_pool_by_a_quarter_per_growth_window(demo_target,
                                                                                      monkeypatch) -> None:
    """A burst of 600 to a target answering in 10 ms (a fast target's hiccup): past 64 connections
    the pool grows by at most a quarter of itself per growth window (2 ms; a long one here, to make
    it certain), not by one connection per waiting request (before, each opened one: a pool
    that large then cost about twice the CPU per request). Every request is still answered, and
    a target slow for good still gets its connections (the test above)."""
    from runner.load.engines.fast import GROWS_FREELY
    monkeypatch.setattr("runner.load.engines.fast.GROWTH_WINDOW_S", 30.0)
    paused = demo_target(latency="fixed:10ms", concurrency=10_000)
    opened, _, replies = burst(paused.url + "/health", 600)
    assert all(r.status == 200 for r in replies) and len(replies) == 600
    # the first ones, and at most a quarter of them more within the window
    assert GROWS_FREELY <= opened <= GROWS_FREELY + GROWS_FREELY // 4, opened


def test_a_worker_short_of_cpu_does_not_grow_the_pool() -> None:
    """A worker that used all of its CPU over the last moment cannot send more through more
    connections, and each one makes every request dearer: its pool stays at 64 even for a target
    that holds every connection (the same burst with CPU to spare opens one for each request,
    the test above). Measured before: a start at 16,000 arrivals/s grew the pool to 1,024
    connections while the worker was saturated, and each request cost 57 CPU-us instead of 33."""
    from runner.load.engines.fast import GROWS_FREELY, FastEngine
    from tests.raw_server import RawServer
    holding = RawServer([(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", False)], delay_s=30.0)

    async def main() -> None:
        engine = FastEngine(timeout_s=10.0, cpu_clock=time.monotonic)  # as much CPU as time passes
        sends = [asyncio.ensure_future(engine.send("GET", holding.url + "/", [], None))
                 for _ in range(2 * GROWS_FREELY)]
        while len(holding.requests) < GROWS_FREELY:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.3)  # 150 patience and growth windows
        for sent in sends:
            sent.cancel()
        await asyncio.gather(*sends, return_exceptions=True)
        await engine.close()
    try:
        asyncio.run(main())
    finally:
        holding.close()
    assert holding.open_peak == GROWS_FREELY and len(holding.requests) == GROWS_FREELY


def test_a_pool_grown_for_a_pause_shrinks_while_the_worker_is_short_of_cpu(demo_target) -> None:
    """A target's pause grows the pool (its connections were all busy); once the worker is short of
    CPU with requests waiting, connections coming back are closed, an eighth of the pool per growth
    window at most, down to 64: nothing is ever idle in a saturated worker, so before, the pool
    kept its size (408 connections after a pause at 20,000 arrivals/s, 45 CPU-us a request from then
    on against 30)."""
    from runner.load.engines.fast import GROWS_FREELY, FastEngine
    slow = demo_target(latency="fixed:300ms", concurrency=10_000)
    cpu = {"clock": never_saturated}

    async def main() -> tuple[int, int, list]:
        engine = FastEngine(timeout_s=10.0, cpu_clock=lambda: cpu["clock"]())
        try:
            await asyncio.gather(*(engine.send("GET", slow.url + "/health", [], None) for _ in range(300)))
            grown = len(engine._all)
            cpu["clock"] = time.monotonic  # from now on the worker uses all of its CPU
            replies = await asyncio.gather(*(engine.send("GET", slow.url + "/health", [], None) for _ in range(900)))
            return grown, len(engine._all), replies
        finally:
            await engine.close()
    grown, after, replies = asyncio.run(main())
    assert all(r.status == 200 for r in replies)
    assert grown > 2 * GROWS_FREELY, grown  # the pause grew it (300 on a quiet host)
    assert GROWS_FREELY <= after < grown


def test_requests_waiting_for_a_connection_arm_no_timer_each() -> None:
    """Waiting requests share the sweep for their deadlines and one patience timer per origin: 300
    waiting requests, a handful of timers (before: two each, a deadline and a patience)."""
    from runner.load.engines.fast import GROWS_FREELY, FastEngine
    from tests.raw_server import RawServer
    holding = RawServer([(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", False)], delay_s=30.0)

    async def main() -> int:
        loop = asyncio.get_running_loop()
        engine = FastEngine(timeout_s=5.0, cpu_clock=never_saturated)
        engine.schedule_lag_s = 5.0  # behind: the pool stays at its first connections, the rest wait
        sends = [asyncio.ensure_future(engine.send("GET", holding.url + "/", [], None))
                 for _ in range(GROWS_FREELY + 300)]
        while len(holding.requests) < GROWS_FREELY:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        timers = sum(not timer.cancelled() for timer in loop._scheduled)  # type: ignore[attr-defined]
        for sent in sends:
            sent.cancel()
        await asyncio.gather(*sends, return_exceptions=True)
        await engine.close()
        return timers
    try:
        assert asyncio.run(main()) <= 5
    finally:
        holding.close()


def test_a_request_waiting_for_a_connection_is_never_sent_once_its_deadline_passes() -> None:
    """In the order they were queued (a deadline the sweep arms once it is near) or not (a shorter
    timeout behind a longer one: a timer of its own), each waiting request comes back never sent at
    its own deadline, not when the connection frees up."""
    from runner.load.engines.base import NOT_SENT
    from runner.load.engines.fast import FastEngine
    from tests.raw_server import RawServer
    holding = RawServer([(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", False)], delay_s=30.0)

    async def main() -> list[tuple[str | None, float]]:
        engine = FastEngine(timeout_s=20.0, max_connections=1)
        url = holding.url + "/"
        first = asyncio.ensure_future(engine.send("GET", url, [], None, timeout_s=20.0))
        while not holding.requests:
            await asyncio.sleep(0.01)
        in_order = asyncio.ensure_future(engine.send("GET", url, [], None, timeout_s=1.0))
        await asyncio.sleep(0)
        shorter = asyncio.ensure_future(engine.send("GET", url, [], None, timeout_s=0.2))
        replies = await asyncio.gather(in_order, shorter)
        first.cancel()
        await asyncio.gather(first, return_exceptions=True)
        await engine.close()
        return [(r.error, r.queued_s) for r in replies]
    try:
        (in_order, in_order_s), (shorter, shorter_s) = asyncio.run(main())
    finally:
        holding.close()
    assert in_order == shorter == NOT_SENT
    assert 0.2 <= shorter_s < 1.0 <= in_order_s < 20.0  # each at its own deadline


def test_overdue_requests_that_were_served_meanwhile_do_not_pile_up() -> None:
    """A worker behind its schedule lets no overdue request open a connection; those served by a
    pooled connection meanwhile are swept out of the overdue queue now and then."""
    from runner.load.engines.fast import OVERDUE_COMPACT, FastEngine, _Waiting

    async def main() -> int:
        loop = asyncio.get_running_loop()
        engine = FastEngine(timeout_s=10.0)
        origin = ("http", "127.0.0.1", 1)
        engine.schedule_lag_s = 1.0  # behind: no growth
        try:
            for _ in range(5 * OVERDUE_COMPACT):
                entry = _Waiting(loop.create_future(), b"", False, loop.time() + 10.0, 10.0, loop.time())
                engine._patience(loop, entry, loop.time(), origin)
                entry.future.set_result(None)  # served by a connection that came back
            return len(engine._overdue[origin])
        finally:
            await engine.close()
    assert asyncio.run(main()) <= OVERDUE_COMPACT


def test_a_request_cancelled_while_it_waits_for_a_connection_says_it_was_never_sent() -> None:
    """The flow counts such a request as the generator's (never sent), not as a cancelled request."""
    from runner.load.engines.base import NOT_SENT
    from runner.load.engines.fast import FastEngine
    from tests.raw_server import RawServer
    holding = RawServer([(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", False)], delay_s=30.0)

    async def main() -> list[tuple[object, ...]]:
        engine = FastEngine(timeout_s=5.0, max_connections=1)
        caught: list[tuple[object, ...]] = []

        async def send() -> None:
            try:
                await engine.send("GET", holding.url + "/", [], None)
            except asyncio.CancelledError as cancel:
                caught.append(cancel.args)
                raise
        first, queued = asyncio.ensure_future(send()), asyncio.ensure_future(send())
        while not holding.requests:  # the first holds the one connection
            await asyncio.sleep(0.01)
        first.cancel(), queued.cancel()
        await asyncio.gather(first, queued, return_exceptions=True)
        await engine.close()
        return caught
    try:
        assert asyncio.run(main()) == [(), (NOT_SENT,)]  # the first was sent: a plain cancel
    finally:
        holding.close()


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("url", ["http://[::1/x", "http://127.0.0.1:99999/", "http://127.0.0.1:0/"])
def test_a_url_no_engine_can_send_is_an_invalid_url_error_never_an_exception(engine: str, url: str) -> None:
    """A template can make such a URL at run time. Before: the httpx and aiohttp engines raised,
    and every scenario that met one vanished ("Task exception was never retrieved")."""
    reply = send(engine, url)
    assert (reply.status, reply.error, reply.bytes_out) == (0, "invalid_url", 0)


def test_a_warmed_pool_sends_its_first_requests_on_connections_already_open() -> None:
    """Before the load starts, the engine opens the connections asked for (at most the first 64)
    and pools them: the first requests open none of their own."""
    from runner.load.engines.fast import GROWS_FREELY, FastEngine
    from tests.raw_server import RawServer
    server = RawServer([(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", False)])

    async def main() -> tuple[int, int, int, list]:
        engine = FastEngine(timeout_s=5.0, cpu_clock=never_saturated)
        try:
            await engine.warm(server.url + "/", 10)
            warmed = len(engine._all)
            replies = await asyncio.gather(*(engine.send("GET", server.url + "/", [], None) for _ in range(10)))
            after = server.open_peak
            await engine.warm(server.url + "/", 10_000)
            return warmed, after, len(engine._all), replies
        finally:
            await engine.close()
    try:
        warmed, after, capped, replies = asyncio.run(main())
    finally:
        server.close()
    assert warmed == 10 and [r.body for r in replies] == [b"ok"] * 10
    assert after == 10  # the ten warmed ones carried the ten requests
    assert capped == GROWS_FREELY


def test_warming_a_pool_for_a_target_that_refuses_leaves_nothing_behind(closed_port: int) -> None:
    """Nothing listens: the warm opens nothing, raises nothing, and holds no slot (the run's own
    requests then meet the refusal and count it)."""
    from runner.load.engines.fast import FastEngine

    async def main() -> tuple[int, dict, str | None]:
        engine = FastEngine(timeout_s=2.0, cpu_clock=never_saturated)
        try:
            await engine.warm(f"http://127.0.0.1:{closed_port}/", 10)
            reply = await engine.send("GET", f"http://127.0.0.1:{closed_port}/", [], None)
            return len(engine._all), dict(engine._open), reply.error
        finally:
            await engine.close()
    opened, slots, error = asyncio.run(main())
    assert opened == 0 and set(slots.values()) == {0} and error == "connect"
