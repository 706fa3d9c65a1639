"""The connection cap of the engines built on an HTTP library (httpx, aiohttp).

A library's own pool queues a request at its cap inside the request, so the wait would be
reported as the target's latency (httpx's did; aiohttp's per-host limit would too, and its
connector is left unbounded). The gate admits at most ``limit`` requests per origin at once
(HTTP/1.1: one connection each), the others waiting in arrival order, and says how long each
waited: that time is the generator's, kept apart as the fast engine keeps its own
(runner/load/engines/fast.py). A request that waits out its whole timeout was never sent
(``NOT_SENT``); one admitted gets the whole timeout for the target.
"""
from __future__ import annotations

import asyncio
import collections
from collections.abc import Awaitable, Callable

from runner.load.engines.base import NOT_SENT, Reply, error_reply


class ConnectionGate:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._in_flight: dict[str, int] = {}
        self._waiting: dict[str, collections.deque[asyncio.Future[None]]] = {}

    async def send(self, origin: str, timeout_s: float, send: Callable[[float], Awaitable[Reply]]) -> Reply:
        """``send(timeout_s)`` once a turn at ``origin`` comes (the target's time starts then); the reply
        says how long it queued. No turn within the timeout: never sent. Cancelled while queued: a
        CancelledError whose message is ``NOT_SENT``."""
        try:
            queued_s = await self.enter(origin, timeout_s)
        except TimeoutError:
            return error_reply(NOT_SENT, 0, timeout_s)
        except asyncio.CancelledError:
            raise asyncio.CancelledError(NOT_SENT) from None
        try:
            reply = await send(timeout_s)
        finally:
            self.leave(origin)
        reply.queued_s = queued_s
        return reply

    async def enter(self, origin: str, timeout_s: float) -> float:
        """Waits for a turn at ``origin``; returns the seconds waited (0.0 when admitted at once).
        Raises TimeoutError when no turn came within ``timeout_s``."""
        waiting = self._waiting.get(origin)
        if not waiting and self._in_flight.get(origin, 0) < self.limit:
            self._in_flight[origin] = self._in_flight.get(origin, 0) + 1
            return 0.0
        loop = asyncio.get_running_loop()
        turn: asyncio.Future[None] = loop.create_future()
        self._waiting.setdefault(origin, collections.deque()).append(turn)
        since_s = loop.time()
        try:
            await asyncio.wait_for(turn, timeout_s)  # on a timeout or a cancel, the turn is cancelled
        except BaseException:
            if turn.done() and not turn.cancelled():  # handed a turn just as it gave up: pass it on
                self.leave(origin)
            raise
        return loop.time() - since_s

    def leave(self, origin: str) -> None:
        """A request admitted by ``enter`` is done: its turn goes to the next one waiting."""
        waiting = self._waiting.get(origin)
        while waiting:
            turn = waiting.popleft()
            if not turn.done():  # a cancelled one gave up waiting
                turn.set_result(None)
                return
        self._in_flight[origin] -= 1
