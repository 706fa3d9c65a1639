"""The default HTTP/1.1 engine: a LIFO keep-alive pool per origin of connections that each speak
HTTP/1.1 with httptools' C parser (runner.load.engines.http1). No per-request objects beyond a future (a request's timeout
gets a timer only when its deadline draws near: one sweep per engine arms those). A connection whose answer is
read whole comes back to the pool from its own callback, and sends the first request waiting for one there
and then (the waiting request's task is woken once, with its answer).

Timeouts cover the whole request (connect, send, wait, read), from when it has a connection (or
may open one): a request that waits its whole timeout for one was never sent (``NOT_SENT``, the
generator's), and one that waited still gets the whole timeout for the target. An idempotent request (GET,
HEAD, PUT, DELETE…) that finds a pooled connection closed by the server before any byte came
back is retried once on a new connection; a POST or PATCH never is (the server may have acted
on it). 1xx answers (100 Continue, 103 Early Hints) are skipped for the final one; a body
without Content-Length or chunking ends where the connection does; one past ``max_body_bytes`` is
cut there (``BODY_TOO_LARGE``) and its connection closed. Paths and queries are
percent-encoded where they need it; a fragment is never sent.
"""
from __future__ import annotations

import asyncio
import collections
import heapq
import itertools
import socket
import ssl
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from runner.load.engines.base import (
    DEFAULT_MAX_BODY_BYTES,
    IDEMPOTENT,
    INVALID_URL,
    NOT_SENT,
    Reply,
    classify_exception,
    error_reply,
    sendable_origin,
    split_target,
)
from runner.load.engines.http1 import Http1Connection as _Connection

_Origin = tuple[str, str, int]  # scheme, host, port
# Connections per origin opened as soon as a request finds none idle. Measured (bench/peers.py's mix, one
# worker, 2026-12-07): with 16, past ~20,000 arrivals/s most requests waited for one, and a request that
# waits costs ~50 % more CPU (31.5 against 21.6 CPU-us, 64 in flight, the flow and engine alone); the
# worker then never caught up. With 64, 22,000/s held at 29.5 CPU-us a request; with 32 it collapsed.
GROWS_FREELY = 64
PATIENCE_S = 0.002  # past those, how long a request waits for one to come back before opening another
GROWTH_SHARE = 4  # past GROWS_FREELY, the pool grows by at most 1/GROWTH_SHARE of itself...
GROWTH_WINDOW_S = 0.002  # ...per GROWTH_WINDOW_S
# A request queued this long, and more than twice as long as the worker is behind, waits for the target,
# not for replies the worker has not read yet: the pool may grow for it even while the worker is behind
# (a target holding every connection, on a busy host 10-50 ms behind, kept the pool at its first ones before).
STUCK_S = 0.02
OVERDUE_COMPACT = 4096  # overdue requests queued before those already served are swept out
# Past GROWS_FREELY the pool does not grow while the worker's process used this share of a CPU or more
# over the last SATURATION_WINDOW_S: more connections cannot send more then, and they cost more CPU per
# request (measured at 16,000 arrivals/s: a start that grew the pool to 1,024 connections made every
# request cost 57 CPU-us against 33 with the pool the load needs, and the worker never caught up).
# And a pool past GROWS_FREELY shrinks by at most 1/SHRINK_SHARE of itself per GROWTH_WINDOW_S while the
# worker is saturated and requests wait: a moment's pause of the target grows the pool (rightly: its
# connections are all busy), but when the pause is over nothing is ever idle in a saturated worker, so
# the pool, kept at that size, kept every request dear (measured: a pause at 20,000 arrivals/s grew it
# from 47 to 408 connections within 0.1 s; 45 CPU-us a request from then on against 30 before).
SATURATED_SHARE = 0.9
SATURATION_WINDOW_S = 0.01
SHRINK_SHARE = 8
IDLE_REAP_S = 2.0  # a pooled connection unused this long is closed (the pool shrinks after a burst)
# A request's timeout gets a timer of its own only once its deadline is this near: a sweep every
# DEADLINE_SWEEP_S arms those. Measured: a uvloop timer armed and cancelled costs ~5 CPU-us, a
# seventh to a fifth of what this engine spends per request (24-38 CPU-us on 2026-12-02); most
# requests are answered long before their deadline.
DEADLINE_SWEEP_S = 0.05


class FastEngine:
    def __init__(self, timeout_s: float, verify_tls: bool = True, max_connections: int = 1024,
                 max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
                 cpu_clock: Callable[[], float] = time.process_time) -> None:
        """``cpu_clock``: the process's CPU seconds (whether the worker is saturated: the pool's growth)."""
        self.timeout_s = timeout_s
        self.cpu_clock = cpu_clock
        self.max_body_bytes = max_body_bytes
        self.max_connections = max_connections  # per origin
        self._open: dict[_Origin, int] = {}
        self._header_blocks: dict[tuple[tuple[str, str], ...], bytes] = {}
        self._payloads: dict[tuple[str, str, tuple[tuple[str, str], ...]], tuple[_Origin, bytes]] = {}
        self._targets: dict[str, tuple[str, str]] = {}  # url -> (scheme://authority, request target)
        # per origin: the requests waiting for a connection, first come first served, each with its deadline
        self._waiters: dict[_Origin, collections.deque[_Waiting]] = {}
        # per origin: the deadline of the last waiting request queued in deadline order (those need no timer
        # of their own: the sweep arms one once it is near, walking the queue from its head)
        self._last_deadline: dict[_Origin, float] = {}
        # per origin: a heap of (when its patience runs out, a tie-break, the waiting request),
        # and the one timer that serves it (before, each waiting request armed two timers of its own, a
        # deadline and a patience: ~5 CPU-us each, armed and cancelled, paid by a worker behind its schedule
        # on nearly every request)
        self._patient: dict[_Origin, list[tuple[float, int, _Waiting]]] = {}
        self._patience_timers: dict[_Origin, tuple[float, asyncio.TimerHandle]] = {}
        self._tie_break = itertools.count()
        # (monotonic seconds, process CPU seconds, saturated over the window before: unknown until the first)
        self._cpu_mark: tuple[float, float, bool | None] = (time.monotonic(), cpu_clock(), None)
        self._shrink: dict[_Origin, list[float]] = {}  # per origin: [window's start, connections it may still close]
        self._idle: dict[_Origin, list[_Connection]] = {}
        self._origins: dict[str, tuple[_Origin, bytes, int]] = {}
        self._ssl = ssl.create_default_context()
        if not verify_tls:
            self._ssl.check_hostname = False
            self._ssl.verify_mode = ssl.CERT_NONE
        self._all: set[_Connection] = set()
        self._growth: dict[_Origin, list[float]] = {}  # per origin: [window's start, connections it may still open]
        # per origin: requests past their patience, oldest first
        self._overdue: dict[_Origin, collections.deque[_Waiting]] = {}
        self._grow_timers: dict[_Origin, asyncio.TimerHandle] = {}
        self._overdue_limit: dict[_Origin, int] = {}
        self._sweeper: asyncio.TimerHandle | None = None
        # How late the generator's schedule is (set by it at each arrival): while it is later than
        # PATIENCE_S the worker is short of CPU, and more connections would only cost more of it.
        self.schedule_lag_s = 0.0

    def _split(self, url: str) -> tuple[_Origin, bytes, str]:
        # Cache by the scheme://host:port prefix so the hot path does one dict lookup.
        split = self._targets.get(url)
        if split is None:
            if len(self._targets) > 8192:
                self._targets.clear()
            split = self._targets[url] = split_target(url)
        prefix, path = split
        cached = self._origins.get(prefix)
        if cached is None:
            if not sendable_origin(prefix):
                raise ValueError(prefix)
            parts = urlsplit(prefix)
            scheme = parts.scheme
            port = parts.port or (443 if scheme == "https" else 80)
            host = parts.hostname or ""
            default_port = (scheme == "https" and port == 443) or (scheme == "http" and port == 80)
            literal = f"[{host}]" if ":" in host else host  # an IPv6 address is bracketed, whatever the port
            host_header = literal if default_port else f"{literal}:{port}"
            cached = ((scheme, host, port), f"Host: {host_header}\r\n".encode("latin-1"), 0)
            self._origins[prefix] = cached
        return cached[0], cached[1], path

    def _request(self, method: str, url: str, headers: list[tuple[str, str]],
                 body: bytes | None) -> tuple[_Origin, bytes]:
        """The request's origin and bytes; those of a request without a body are kept (most requests of
        a run are the same few, their bytes made once)."""
        key = (method, url, tuple(headers))
        if body is None:
            made = self._payloads.get(key)
            if made is not None:
                return made
        origin, host_line, path = self._split(url)
        block = self._header_blocks.get(key[2])
        if block is None:
            if len(self._header_blocks) > 4096:
                self._header_blocks.clear()
            block = self._header_blocks[key[2]] = b"".join(
                f"{name}: {value}\r\n".encode("latin-1", "replace") for name, value in headers)
        start = f"{method} {path} HTTP/1.1\r\n".encode("latin-1", "replace")
        if body is not None:
            return origin, b"".join((start, host_line, block, b"Content-Length: %d\r\n\r\n" % len(body), body))
        if len(self._payloads) > 4096:
            self._payloads.clear()
        made = self._payloads[key] = (origin, b"".join((start, host_line, block, b"\r\n")))
        return made

    # A request passes through one coroutine (the cold paths are functions of their own): each more is a
    # level every await passes through, both ways (measured: ~15 % of the flow and engine's CPU a request).
    # complexity: the per-request hot path, in one coroutine (see above)
    async def send(self, method: str, url: str, headers: list[tuple[str, str]], body: bytes | None,  # noqa: C901
                   timeout_s: float | None = None) -> Reply:
        try:
            origin, payload = self._request(method, url, headers, body)
            timeout_s = timeout_s or self.timeout_s
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout_s
            queued_s = 0.0
            for _ in range(2 if method in IDEMPOTENT else 1):
                # the hot path: an idle connection, nothing awaited before sending (_take_idle's first
                # look, inlined: a call costs on every request)
                idle = self._idle.get(origin)
                connection = idle.pop() if idle else None
                if connection is not None and (connection.closed or connection.transport is None or
                                               connection.transport.is_closing()):
                    self._discard(origin, connection)
                    connection = self._take_idle(origin)
                elif connection is not None:
                    connection.reused = True
                if connection is None:
                    got = await self._connection_for(loop, origin, deadline, timeout_s, payload, method == "HEAD")
                    # a reply: sent for it by a connection that came back, and answered; or never sent (no
                    # connection in time, or none could be opened)
                    if isinstance(got, Reply):
                        reply = got
                        queued_s += reply.queued_s
                    else:
                        connection, waited_s, deadline = got
                        queued_s += waited_s
                if connection is not None:
                    waiter: asyncio.Future[Reply] = loop.create_future()
                    connection.deadline = deadline
                    if deadline - loop.time() < DEADLINE_SWEEP_S:
                        connection.expiry = loop.call_at(deadline, _expire, waiter)
                    elif self._sweeper is None:
                        self._sweeper = loop.call_later(DEADLINE_SWEEP_S, self._sweep, loop)
                    connection.start(payload, method == "HEAD", waiter)
                    try:
                        reply = await waiter
                    except BaseException:
                        if connection.waiter is waiter:  # not already handed on (to a waiting request, or idle)
                            self._discard(origin, connection)
                        raise
                    if connection.waiter is waiter:  # not handed on from its callback: an error, or it closes
                        self._discard(origin, connection)
                if reply.error == "stale" and method not in IDEMPOTENT:
                    # the server closed the pooled connection: it may have processed this POST, so it is
                    # never sent again (counted as a read error)
                    reply = error_reply("read")
                if reply.error is None:
                    reply.bytes_out = len(payload)
                    reply.queued_s = queued_s
                    return reply
                if reply.error != "stale":
                    # Nothing was sent when the connection could not be made (refused, no such name, TLS).
                    reply.bytes_out = 0 if reply.error in ("connect", "dns", "tls", NOT_SENT) else len(payload)
                    reply.queued_s = queued_s
                    return reply
            return error_reply("read", len(payload))
        except ValueError:  # a URL a template made that cannot be parsed (a port out of range...): never sent
            return error_reply(INVALID_URL)
        except (OSError, RuntimeError) as error:  # an engine never raises for a request
            return error_reply(classify_exception(error))

    # complexity: a waiting request's path, in one coroutine: a level less for each of its awaits to pass
    async def _connection_for(self, loop: asyncio.AbstractEventLoop, origin: _Origin, deadline: float,
                              timeout_s: float, payload: bytes, head: bool) -> tuple[_Connection, float, float] | Reply:
        """No idle connection: wait for one to come back, or open one. The connection that comes back sends
        the request at once, from its own callback (``_give_back``): the reply comes back here, with its seconds
        queued (the generator's; the target's time starts when it is sent). Or the reply of a request never
        sent (no connection within the timeout, or none could be opened). Or a connection this request may
        send on itself (opened, or found idle), with the seconds queued and the request's deadline. At the
        cap: wait for a connection to come back. Past the first GROWS_FREELY connections: wait PATIENCE_S for
        one first, and open a new one only if none came back by then. A fast target's connections come back
        within a millisecond, so a burst does not open hundreds of connections it will never need (measured:
        a pool grown to 1,024 costs 2.4x the CPU per request and the worker never catches up); a slow target's
        pool still grows."""
        connection: _Connection | None = None
        queued_s = 0.0
        patient = True
        waiters = self._waiters.setdefault(origin, collections.deque())
        while connection is None and (self._open.get(origin, 0) >= self.max_connections or
                                      (patient and self._open.get(origin, 0) >= GROWS_FREELY)):
            queued_since = loop.time()
            entry = _Waiting(loop.create_future(), payload, head, deadline, timeout_s, queued_since)
            waiters.append(entry)
            own_timer = self._watch_deadline(loop, origin, entry, deadline, queued_since)
            # a worker short of CPU may not grow the pool: its waiting requests need no patience (what
            # patience costs, a heap entry and its timer's visit, came on nearly every request then)
            if self._open.get(origin, 0) < self.max_connections and not self._saturated():
                # a worker behind its schedule waits longer first: past STUCK_S and twice its lateness
                lag_s = self.schedule_lag_s
                patience_s = PATIENCE_S if lag_s <= PATIENCE_S else max(STUCK_S, 2 * lag_s) + PATIENCE_S
                self._wait_patiently(loop, origin, entry, queued_since + patience_s)
            try:
                served: Reply | None = await entry.future
            except TimeoutError:  # no connection within the timeout: never sent, the generator's
                reply = error_reply(NOT_SENT)
                reply.queued_s = queued_s + loop.time() - queued_since
                return reply
            except asyncio.CancelledError:
                self._cancelled_while_waiting(origin, entry)
                raise
            finally:
                if own_timer is not None:
                    own_timer.cancel()
            if served is not None:  # sent on a connection that came back: answered (or failed) there
                handed = entry.connection  # not handed on by itself below: an error, or the answer closes it
                if handed is not None and handed.waiter is entry.future:
                    self._discard(origin, handed)
                served.queued_s = queued_s + entry.queued_s
                return served
            queued_s += loop.time() - queued_since
            patient = False  # woken with no connection: a free slot, or patience out: open one if under the cap
            connection = self._take_idle(origin)  # one may have come back to the pool meanwhile
        if queued_s > 0:  # the target's time starts now: the wait was the generator's
            deadline = max(deadline, loop.time() + timeout_s)
        if connection is None:
            opened = await self._open_connection(loop, origin, deadline)
            if isinstance(opened, Reply):
                opened.queued_s = queued_s
                return opened
            connection = opened
        return connection, queued_s, deadline

    def _cancelled_while_waiting(self, origin: _Origin, entry: _Waiting) -> None:
        """A request cancelled while it waited was never sent (CancelledError(NOT_SENT): the generator's); a
        free slot it was given goes to the next waiting request. One cancelled after a connection that came
        back sent it is a sent request cancelled (a plain CancelledError): its connection is closed."""
        handed = entry.connection
        if handed is not None:
            if handed.waiter is entry.future:
                self._discard(origin, handed)
            return
        future = entry.future
        if future.done() and not future.cancelled() and future.exception() is None:
            self._wake_next(origin)  # a free slot (a spare wake-up only re-checks)
        raise asyncio.CancelledError(NOT_SENT) from None

    def _watch_deadline(self, loop: asyncio.AbstractEventLoop, origin: _Origin, entry: _Waiting, deadline: float,
                        now: float) -> asyncio.TimerHandle | None:
        """A waiting request's deadline: one queued in deadline order is the sweep's (it arms a timer once
        the deadline is near); one out of order, or near already, gets a timer of its own (returned)."""
        if deadline < self._last_deadline.get(origin, float("-inf")) or deadline - now < DEADLINE_SWEEP_S:
            return loop.call_at(deadline, _expire_waiting, entry)
        self._last_deadline[origin] = deadline
        if self._sweeper is None:
            self._sweeper = loop.call_later(DEADLINE_SWEEP_S, self._sweep, loop)
        return None

    def _wait_patiently(self, loop: asyncio.AbstractEventLoop, origin: _Origin, entry: _Waiting, due_s: float) -> None:
        """The request's patience runs out at ``due_s``: into the origin's heap, served by one timer."""
        patient = self._patient.setdefault(origin, [])
        heapq.heappush(patient, (due_s, next(self._tie_break), entry))
        armed = self._patience_timers.get(origin)
        if armed is None or armed[0] > due_s:
            if armed is not None:
                armed[1].cancel()
            self._patience_timers[origin] = (due_s, loop.call_at(due_s, self._patience_out, loop, origin))

    def _patience_out(self, loop: asyncio.AbstractEventLoop, origin: _Origin) -> None:
        """The origin's patience timer: every request whose patience ran out and that still waits is
        handed to _patience; the timer comes back for the next one."""
        del self._patience_timers[origin]
        patient = self._patient[origin]
        now = loop.time()
        while patient and patient[0][0] <= now:
            due_s, _, entry = heapq.heappop(patient)
            if not entry.done():
                self._patience(loop, entry, due_s, origin)
        if patient:
            due_s = patient[0][0]
            self._patience_timers[origin] = (due_s, loop.call_at(due_s, self._patience_out, loop, origin))

    async def _open_connection(self, loop: asyncio.AbstractEventLoop, origin: _Origin,
                               deadline: float) -> _Connection | Reply:
        """A new connection, counted against the cap while it opens; an error reply if it cannot."""
        self._open[origin] = self._open.get(origin, 0) + 1
        try:
            return await asyncio.wait_for(self._connect(loop, origin), deadline - loop.time())
        except TimeoutError:
            self._release_slot(origin)
            return error_reply("timeout")
        except (OSError, ssl.SSLError) as error:
            self._release_slot(origin)
            kind = classify_exception(error)
            return error_reply("connect" if kind == "read" else kind)
        except BaseException:
            self._release_slot(origin)
            raise

    async def warm(self, url: str, connections: int) -> None:
        """Opens up to ``connections`` (at most GROWS_FREELY) to the URL's origin and pools them, before
        the load starts: the first arrivals find them open instead of queueing behind their connects."""
        try:
            origin, _, _ = self._split(url)
        except ValueError:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout_s
        wanted = min(connections, GROWS_FREELY) - self._open.get(origin, 0)
        opened = await asyncio.gather(*(self._open_connection(loop, origin, deadline) for _ in range(wanted)))
        for connection in opened:
            if not isinstance(connection, Reply):
                self._give_back(origin, connection)

    def _sweep(self, loop: asyncio.AbstractEventLoop) -> None:
        """Arms a timer for each request whose deadline comes before the next sweep, sent or still
        waiting for a connection; comes back while any connection is open or any request waits."""
        self._sweeper = None
        near = loop.time() + DEADLINE_SWEEP_S
        for connection in self._all:
            waiter = connection.waiter
            if waiter is not None and connection.expiry is None and connection.deadline < near and not waiter.done():
                connection.expiry = loop.call_at(connection.deadline, _expire, waiter)
        waiting = False
        for waiters in self._waiters.values():
            while waiters and waiters[0].done():
                waiters.popleft()
            for entry in waiters:  # those queued in deadline order: the walk ends at the first far one
                if entry.deadline >= near:
                    break
                if not entry.done():
                    loop.call_at(entry.deadline, _expire_waiting, entry)  # a no-op if it is served before
            waiting = waiting or bool(waiters)
        if self._all or waiting:
            self._sweeper = loop.call_later(DEADLINE_SWEEP_S, self._sweep, loop)

    def _patience(self, loop: asyncio.AbstractEventLoop, entry: _Waiting, due_s: float, origin: _Origin) -> None:
        """Patience is out: the waiting request may open a connection, within the pool's growth budget.
        Past it, the request joins the origin's overdue queue, which one timer per origin lets grow
        in the next growth window (one timer, not one per waiting request: thousands of those made a
        timer storm)."""
        if entry.done():
            return
        if self._may_grow(loop, origin, late_s=loop.time() - due_s, waited_s=loop.time() - entry.since_s):
            entry.future.set_result(None)
            return
        overdue = self._overdue.setdefault(origin, collections.deque())
        if len(overdue) >= self._overdue_limit.get(origin, OVERDUE_COMPACT):
            # answered ones are dropped lazily: now and then all at once (amortized: the next sweep
            # waits until the queue has doubled what is left)
            self._overdue[origin] = overdue = collections.deque(e for e in overdue if not e.done())
            self._overdue_limit[origin] = max(OVERDUE_COMPACT, 2 * len(overdue))
        overdue.append(entry)
        if origin not in self._grow_timers:
            self._grow_timers[origin] = loop.call_later(GROWTH_WINDOW_S, self._grow, loop, origin,
                                                        loop.time() + GROWTH_WINDOW_S)

    def _may_grow(self, loop: asyncio.AbstractEventLoop, origin: _Origin, late_s: float, waited_s: float) -> bool:
        """Whether one more connection may be opened now: not while the worker itself is behind (the
        timer fired late, or the schedule runs late: the connections in use may well be answered
        already, their replies unread), and by at most a quarter of the pool per 2 ms. Measured: a
        target pausing for a moment made the worker open 520 connections within 0.1 s, and a pool
        that large costs about twice the CPU per request from then on; a target slow for good still
        grows it from 64 to 1,024 within ~13 windows (~26 ms, by the arithmetic). A request that has
        waited past STUCK_S and twice the worker's lateness waits for the target: it may grow the pool."""
        behind_s = max(late_s, self.schedule_lag_s)
        if behind_s > PATIENCE_S and (waited_s <= STUCK_S or waited_s <= 2 * behind_s):
            return False
        if self._saturated():
            return False
        return self._take_budget(self._growth, origin, GROWTH_SHARE, loop.time())

    def _take_budget(self, budgets: dict[_Origin, list[float]], origin: _Origin, share: int, now: float) -> bool:
        """One from the origin's budget for this growth window (grow or shrink): 1/share of the pool as
        it is when the window starts, at least one."""
        budget = budgets.get(origin)
        if budget is None or now - budget[0] >= GROWTH_WINDOW_S:
            budget = budgets[origin] = [now, max(1, self._open.get(origin, 0) // share)]
        if budget[1] <= 0:
            return False
        budget[1] -= 1
        return True

    def _saturated(self) -> bool:
        """Whether the worker's process used SATURATED_SHARE of a CPU or more over the last window
        (the first judged over what passed since the engine was made, once a millisecond has)."""
        since, cpu_then, saturated = self._cpu_mark
        now = time.monotonic()
        if now - since >= (SATURATION_WINDOW_S if saturated is not None else 0.001):
            cpu_now = self.cpu_clock()
            saturated = (cpu_now - cpu_then) >= SATURATED_SHARE * (now - since)
            self._cpu_mark = (now, cpu_now, saturated)
        return bool(saturated)

    def _grow(self, loop: asyncio.AbstractEventLoop, origin: _Origin, due_s: float) -> None:
        """The next growth window: the overdue requests still waiting open connections, oldest first,
        as far as the budget goes; the timer comes back while any still wait."""
        del self._grow_timers[origin]
        overdue = self._overdue.get(origin)
        late_s = loop.time() - due_s
        while overdue:
            entry = overdue[0]
            if entry.done():
                overdue.popleft()
            elif self._open.get(origin, 0) < self.max_connections and \
                    self._may_grow(loop, origin, late_s, waited_s=loop.time() - entry.since_s):
                overdue.popleft()
                entry.future.set_result(None)
            else:
                break
        if overdue:
            self._grow_timers[origin] = loop.call_later(GROWTH_WINDOW_S, self._grow, loop, origin,
                                                        loop.time() + GROWTH_WINDOW_S)

    def _take_idle(self, origin: _Origin) -> _Connection | None:
        idle = self._idle.get(origin)
        while idle:
            candidate = idle.pop()
            if not candidate.closed and candidate.transport is not None and not candidate.transport.is_closing():
                candidate.reused = True
                return candidate
            self._discard(origin, candidate)
        return None

    def _give_back(self, origin: _Origin, connection: _Connection) -> None:
        """A connection free again (its answer read whole, from its own callback): the next waiting request
        is sent on it at once, or it goes back to the idle pool. Before, the waiting request's task was woken
        to send it, a turn of the loop later: near a worker's ceiling most requests waited, and each such
        wake-up cost the worker ~20 % more instructions a request (bench/instructions.py, 256 in flight)."""
        waiters = self._waiters.get(origin)
        if waiters:
            if self._open.get(origin, 0) > GROWS_FREELY and self._may_shrink(origin):
                self._discard(origin, connection, hand_on=False)  # no slot handed on: that would open another
                return
            while waiters:
                entry = waiters.popleft()
                if entry.connection is None and not entry.future.done():  # still waiting: sent now
                    # the target's time starts now (its whole timeout: it began waiting after the request
                    # began, so this deadline is the later), the wait was the generator's
                    loop = asyncio.get_running_loop()
                    now = loop.time()
                    entry.queued_s = now - entry.since_s
                    entry.connection = connection
                    deadline = connection.deadline = now + entry.timeout_s
                    if entry.timeout_s < DEADLINE_SWEEP_S:
                        connection.expiry = loop.call_at(deadline, _expire, entry.future)
                    elif self._sweeper is None:
                        self._sweeper = loop.call_later(DEADLINE_SWEEP_S, self._sweep, loop)
                    connection.reused = True
                    connection.start(entry.payload, entry.head, entry.future)
                    return
        idle = self._idle.get(origin)
        if idle is None:
            idle = self._idle[origin] = []
        connection.idle_since = now = time.monotonic()
        idle.append(connection)
        if len(idle) > GROWS_FREELY and now - idle[0].idle_since > IDLE_REAP_S:
            self._discard(origin, idle.pop(0))  # the least recently used: a burst's extra connection

    def _may_shrink(self, origin: _Origin) -> bool:
        """Whether one connection may be closed now: the worker is saturated, within the shrink budget
        (one window's budget: an eighth of the pool as it is when the window starts)."""
        return self._saturated() and self._take_budget(self._shrink, origin, SHRINK_SHARE,
                                                        asyncio.get_running_loop().time())

    def _discard(self, origin: _Origin, connection: _Connection, hand_on: bool = True) -> None:
        """Closes the connection (its request's timer disarmed); its slot goes to the next waiting request
        unless ``hand_on`` is False (the pool shrinking)."""
        connection.disarm()
        connection._close()
        if connection in self._all:
            self._all.discard(connection)
            if hand_on:
                self._release_slot(origin)
            else:
                self._open[origin] = self._open.get(origin, 1) - 1

    def _release_slot(self, origin: _Origin) -> None:
        self._open[origin] = self._open.get(origin, 1) - 1
        self._wake_next(origin)

    def _wake_next(self, origin: _Origin) -> None:
        waiters = self._waiters.get(origin)
        while waiters:  # a slot is free: let the next waiter open a connection
            entry = waiters.popleft()
            if not entry.done():
                entry.future.set_result(None)
                return

    async def _connect(self, loop: asyncio.AbstractEventLoop, origin: _Origin) -> _Connection:
        scheme, host, port = origin
        context = self._ssl if scheme == "https" else None
        max_body = self.max_body_bytes
        release = self._give_back

        def made() -> _Connection:
            connection = _Connection(max_body)
            connection.origin, connection.release = origin, release
            return connection
        _, connection = await loop.create_connection(
            made, host, port, ssl=context, server_hostname=host if context else None)
        sock = connection.transport.get_extra_info("socket") if connection.transport else None
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._all.add(connection)
        return connection

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        for timer in self._grow_timers.values():
            timer.cancel()
        self._grow_timers.clear()
        for _, timer in self._patience_timers.values():
            timer.cancel()
        self._patience_timers.clear()
        for connection in list(self._all):
            connection._close()
        self._all.clear()
        self._idle.clear()


class _Waiting:
    """A request waiting for one of an origin's connections: what a connection coming back sends for it."""

    __slots__ = ("connection", "deadline", "future", "head", "payload", "queued_s", "since_s", "timeout_s")
    queued_s: float  # how long it waited: set once it is sent

    def __init__(self, future: asyncio.Future[Any], payload: bytes, head: bool, deadline: float,
                 timeout_s: float, since_s: float) -> None:
        self.future = future  # a reply once sent for it and answered; None: it may open a connection
        self.payload = payload
        self.head = head
        self.deadline = deadline  # loop time its timeout ends at, if it is still waiting then
        self.timeout_s = timeout_s
        self.since_s = since_s  # loop time it began waiting
        self.connection: _Connection | None = None  # the connection it was sent on

    def done(self) -> bool:
        """No longer waiting: sent, given a slot, timed out or cancelled."""
        return self.connection is not None or self.future.done()


def _expire_waiting(entry: _Waiting) -> None:
    if not entry.done():
        entry.future.set_exception(TimeoutError())


def _expire(waiter: asyncio.Future[Reply]) -> None:
    if not waiter.done():
        waiter.set_result(error_reply("timeout"))
