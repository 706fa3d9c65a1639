from __future__ import annotations

import asyncio
import os
import random
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from runner.demo.target import DemoState, bound_port, parse_latency, serve

# Every `squall` a test starts inherits this: a busy CI host starts more than 1 % of arrivals over
# 50 ms late, which would turn a passing run INCONCLUSIVE in tests that are not about the
# generator's timing (those build their specs with their own tolerance and never run the CLI).
os.environ.setdefault("SQUALL_SET", "limits.lag_tolerance=1s")


@dataclass
class RunningDemo:
    url: str
    state: DemoState


@pytest.fixture
def demo_target() -> Iterator[callable]:
    """Start demo targets on 127.0.0.1 (each in its own thread and event loop)."""
    stops: list[tuple[asyncio.AbstractEventLoop, threading.Thread]] = []

    def start(latency: str = "fixed:1ms", concurrency: int = 1000, error_rate: float = 0.0) -> RunningDemo:
        state = DemoState(parse_latency(latency), concurrency, error_rate, random.Random(7))
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        box: dict[str, int] = {}

        def main() -> None:
            asyncio.set_event_loop(loop)
            runner = loop.run_until_complete(serve("127.0.0.1", 0, state))
            box["port"] = bound_port(runner)
            ready.set()
            loop.run_forever()
            loop.run_until_complete(runner.cleanup())
            loop.close()

        thread = threading.Thread(target=main, daemon=True)
        thread.start()
        assert ready.wait(10), "demo target did not start"
        stops.append((loop, thread))
        return RunningDemo(f"http://127.0.0.1:{box['port']}", state)

    yield start
    for loop, thread in stops:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
