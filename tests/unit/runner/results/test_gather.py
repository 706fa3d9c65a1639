"""Gatherers: a wide slice's workers read a group at a time, so a monitor tick reads one object
per group, and what the monitor knows is exactly what reading every shard would have told it."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from analysis.gathered import Gathered
from analysis.histogram import Histogram
from analysis.shard import Shard
from analysis.stats import EndpointStats, Window
from runner.aws.pipeline import gather_run
from runner.results.gather import Group, gather_tick, resume
from runner.results.monitor_state import MonitorState, advance_slice
from runner.store import LocalStore, gathered_at, put_shard
from tests.unit.runner.results.test_monitor_state import CountingStore

WORKERS = 6
GROUPS = [(0, 3), (3, 3)]


def shard(worker: int, seq: int, final: bool = False, seed: int = 0) -> Shard:
    rng = random.Random(worker * 1000 + seq + seed)
    windows = {}
    for second in (seq, seq + 1):  # a flush holds the end of one second and the start of the next
        latencies = [rng.randrange(1_000, 400_000) for _ in range(rng.randrange(1, 20))]
        errors = min(rng.randrange(0, 3), len(latencies))
        windows[second] = Window(endpoints={f"GET /{rng.choice('ab')}": EndpointStats(
            requests=len(latencies), responses=len(latencies) - errors,
            statuses={"200": len(latencies) - errors, "503": errors} if errors else {"200": len(latencies)},
            latency=Histogram.of(latencies), latency_uncorrected=Histogram.of(latencies))})
    return Shard("r", 0, worker, seq, windows, final)


def summary(progress: MonitorState) -> dict[str, object]:
    cursor = progress.cursor(0)
    return {"requests": progress.requests, "errors": progress.errors,
            "endpoints": {name: stats.to_dict() for name, stats in progress.endpoints.items()},
            "recent": {second: window.to_dict() for second, window in sorted(progress.recent.items())},
            "health": progress.health.to_dict(), "last_seq": cursor.last_seq, "final": cursor.final}


def gather_all(store: LocalStore, state: dict[int, tuple[Gathered | None, int]]) -> None:
    for first, count in GROUPS:
        last, seq = state.get(first, (None, 0))
        written = gather_tick(store, "r", Group(0, first, count), last, seq)
        state[first] = (written, seq + 1) if written else (last, seq)


def test_the_monitor_knows_through_gatherers_exactly_what_reading_every_shard_tells_it(tmp_path: Path) -> None:
    direct_store, store = LocalStore(tmp_path / "direct"), LocalStore(tmp_path / "gathered")
    direct, by_groups = MonitorState(), MonitorState()
    state: dict[int, tuple[Gathered | None, int]] = {}
    for seq in range(8):
        for worker in range(WORKERS):
            if worker == 4 and seq >= 5:
                continue  # a worker that stops writing (it crashed)
            for target in (direct_store, store):
                put_shard(target, shard(worker, seq, final=seq == 7))
        gather_all(store, state)
        advance_slice(direct_store, "r", direct, 0, WORKERS, keep_from_second=seq - 3)
        advance_slice(store, "r", by_groups, 0, WORKERS, keep_from_second=seq - 3, groups=GROUPS)
        direct.forget_before(seq - 3)
        by_groups.forget_before(seq - 3)
        assert summary(by_groups) == summary(direct)
    assert by_groups.cursor(0).final == {0, 1, 2, 3, 5} and by_groups.requests > 0


def test_a_tick_reads_one_object_per_group_however_many_workers(tmp_path: Path) -> None:
    store = CountingStore(tmp_path)
    groups = [(0, 20), (20, 20)]
    for worker in range(40):
        put_shard(store, shard(worker, 0))
    for first, count in groups:
        gather_tick(store, "r", Group(0, first, count), None, 0)
    store.reads.clear()
    progress = MonitorState()
    assert advance_slice(store, "r", progress, 0, 40, keep_from_second=0, groups=groups) == 2
    assert len(store.reads) == 2 and all("/gathered/0/000000/" in key for key in store.reads)
    assert progress.requests == sum(s.requests for w in range(40) for win in shard(w, 0).windows.values()
                                    for s in win.endpoints.values())


def test_a_group_whose_gatherer_failed_is_read_worker_by_worker_from_where_it_left_off(tmp_path: Path) -> None:
    direct_store, store = LocalStore(tmp_path / "direct"), LocalStore(tmp_path / "gathered")
    direct, by_groups = MonitorState(), MonitorState()
    state: dict[int, tuple[Gathered | None, int]] = {}
    for seq in range(6):
        for worker in range(WORKERS):
            for target in (direct_store, store):
                put_shard(target, shard(worker, seq, final=seq == 5, seed=7))
        if seq < 3:
            gather_all(store, state)
        elif seq == 3:
            # group 3's gatherer writes one more object that the monitor never reads, and fails for good:
            # the state machine's catch writes its marker
            last, next_seq = state[3]
            gather_tick(store, "r", Group(0, 3, 3), last, next_seq)
            store.put_json("runs/r/gather-failed/0/3.json", {"Error": "Lambda.Unknown"})
            state[0] = (gather_tick(store, "r", Group(0, 0, 3), *state[0]), state[0][1] + 1)
        else:
            last, next_seq = state[0]
            written = gather_tick(store, "r", Group(0, 0, 3), last, next_seq)
            state[0] = (written, next_seq + 1) if written else state[0]
        if seq == 2 or seq >= 3:  # the monitor skips a tick now and then
            advance_slice(direct_store, "r", direct, 0, WORKERS, keep_from_second=0)
            advance_slice(store, "r", by_groups, 0, WORKERS, keep_from_second=0, groups=GROUPS)
    assert summary(by_groups) == summary(direct)
    assert by_groups.cursor(0).final == set(range(WORKERS))


def test_a_gatherer_cut_off_after_writing_resumes_after_what_it_wrote(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    group = Group(0, 0, 3)
    for worker in range(3):
        put_shard(store, shard(worker, 0))
    first = gather_tick(store, "r", group, None, 0)
    for worker in range(3):
        put_shard(store, shard(worker, 1))
    assert gather_tick(store, "r", group, first, 1) is not None
    # the invocation that wrote seq 1 was cut off before it said so: the retry is told next_seq 1
    last, seq = resume(store, "r", group, 1)
    assert seq == 2 and last is not None and last.last_seq == {0: 1, 1: 1, 2: 1}
    assert gather_tick(store, "r", group, last, seq) is None  # nothing new, nothing rewritten
    assert gathered_at(store, "r", 0, 2, 0) is None


def test_a_gatherer_invocation_ticks_until_its_workers_are_done(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    clock = [1000.0]
    written = iter(range(3))

    def sleep(seconds: float) -> None:
        clock[0] += seconds
        seq = next(written, None)
        if seq is not None:
            for worker in range(2):
                put_shard(store, shard(worker, seq, final=seq == 2))

    event = {"run_id": "r", "group": {"slice": 0, "first_worker": 0, "workers": 2}, "start_at": 1000.0,
             "duration_s": 10.0, "next_seq": 0}
    assert gather_run(event, store, lambda: clock[0], sleep) == {"done": True, "next_seq": 3}
    assert clock[0] == pytest.approx(1003.0)  # a tick a second


def test_a_gatherer_hands_over_to_its_next_invocation_and_gives_up_after_the_grace(tmp_path: Path) -> None:
    from runner.aws.pipeline import DRAIN_GRACE_S, GATHER_LOOP_S
    store = LocalStore(tmp_path)
    clock = [1000.0]

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    event = {"run_id": "r", "group": {"slice": 0, "first_worker": 0, "workers": 2}, "start_at": 1000.0,
             "duration_s": 10.0, "next_seq": 0}
    assert gather_run(event, store, lambda: clock[0], sleep) == {"done": False, "next_seq": 0}
    assert clock[0] == pytest.approx(1000.0 + GATHER_LOOP_S - 1)
    clock[0] = 1000.0 + 10.0 + DRAIN_GRACE_S + 1  # no worker ever wrote: given up a drain grace after the slice
    assert gather_run(event, store, lambda: clock[0], sleep)["done"] is True


def test_a_malformed_gathered_object_is_named() -> None:
    with pytest.raises(ValueError, match="runs/r/gathered/0/000000/00000.json.gz: not a Squall gathered object"):
        Gathered.from_dict({"format": 1, "slice": 0}, "runs/r/gathered/0/000000/00000.json.gz")
    gathered = Gathered(0, 3, 3, 2, {4: Window()}, {3: 1}, {3}, 2, ["x: unreadable"])
    assert Gathered.from_dict(gathered.to_dict(), "k").to_dict() == gathered.to_dict()


def test_an_unreadable_shard_is_named_once_and_does_not_hold_the_group_back(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    group = Group(0, 0, 2)
    put_shard(store, shard(0, 0))
    store.put_bytes("runs/r/shards/0/000/000000/00001.json.gz", b"not a shard")
    first = gather_tick(store, "r", group, None, 0)
    assert first is not None and len(first.rejected) == 1 and "00001.json.gz" in first.rejected[0]
    assert first.last_seq == {0: 0, 1: 0}
    assert gather_tick(store, "r", group, first, 1) is None  # nothing new: not read (nor named) again
