"""A virtual clock for running the load generator in unit tests without sleeping.

``sleep`` parks the caller until the clock reaches its due time; ``run`` lets every
runnable task go, then jumps the clock to the next due timer. Time moves only on purpose.
"""
from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Coroutine
from typing import Any


class FakeTime:
    """For blocking code that takes a clock and a sleep: sleeping moves the clock, and is kept."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class VirtualTime:
    def __init__(self) -> None:
        self.now = 0.0
        self._timers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._timers, (self.now + max(0.0, seconds), next(self._seq), future))
        await future

    async def _settle(self) -> None:
        for _ in range(50):
            await asyncio.sleep(0)

    async def drive(self, coro: Coroutine[Any, Any, Any], limit_s: float = 3600.0) -> Any:
        task = asyncio.ensure_future(coro)
        while not task.done():
            await self._settle()
            if task.done():
                break
            while self._timers and self._timers[0][2].done():
                heapq.heappop(self._timers)
            if not self._timers:
                await self._settle()
                if not task.done():
                    raise RuntimeError("deadlock: nothing runnable and no timer pending")
                break
            due, _, future = heapq.heappop(self._timers)
            if due > limit_s:
                raise RuntimeError("virtual time limit reached")
            self.now = max(self.now, due)
            future.set_result(None)
        return task.result()

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run(self.drive(coro))
