"""Injected faults in the pure and in-process parts: flaky and broken stores, a duplicated
shard, malformed shards, a failing sink in the load generator."""
from __future__ import annotations

import pytest

from analysis.shard import Shard
from runner.load.generator import LoadGenerator, WorkerSettings
from runner.plan import make_plan
from runner.spec import parse_spec
from runner.store import StoreError, put_with_retry
from tests.unit.runner.load.test_generator import OPEN, ScriptedEngine, ok
from tests.unit.runner.virtual_time import VirtualTime


class FlakyStore:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.written: dict[str, bytes] = {}

    def put_bytes(self, key: str, data: bytes) -> None:
        if self.failures:
            self.failures -= 1
            raise StoreError(f"cannot write {key}: Service Unavailable")
        self.written[key] = data


def test_a_transient_write_failure_is_retried_with_backoff() -> None:
    store, slept = FlakyStore(failures=2), []
    assert put_with_retry(store, "k", b"x", sleep=slept.append) == 2  # type: ignore[arg-type]
    assert store.written == {"k": b"x"} and slept == [0.2, 0.4]


def test_a_permanent_write_failure_raises_after_the_last_attempt() -> None:
    store, slept = FlakyStore(failures=99), []
    with pytest.raises(StoreError, match="Service Unavailable"):
        put_with_retry(store, "k", b"x", attempts=5, sleep=slept.append)  # type: ignore[arg-type]
    assert slept == [0.2, 0.4, 0.8, 1.6] and store.written == {}


def test_a_worker_whose_results_cannot_be_stored_stops_and_fails_loudly() -> None:
    time = VirtualTime()
    spec = parse_spec(OPEN % 100, "t.yaml")
    engine = ScriptedEngine(time, lambda m, u, b: ok())
    attempts: list[Shard] = []

    async def broken_sink(shard: Shard) -> None:
        attempts.append(shard)
        raise StoreError("cannot write runs/r/shards/0/0/000000.json.gz: Access Denied")
    generator = LoadGenerator(spec, make_plan(spec, "r", 1, workers=1), WorkerSettings(0, flush_interval_s=1.0),
                              engine, broken_sink, start_mono_s=0.0, clock=time.clock, sleep=time.sleep,
                              cpu_clock=lambda: 0.0)
    with pytest.raises(StoreError):
        time.run(generator.run())
    assert generator.stopping and isinstance(generator.sink_failure, StoreError)
    assert len(engine.sent) < 20  # it stopped sending load instead of carrying on blind
    assert attempts[-1].final and attempts[-1].error is not None and "ShardWriteFailed" in attempts[-1].error
