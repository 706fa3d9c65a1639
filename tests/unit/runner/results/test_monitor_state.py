"""The monitor's progress: each tick lists and reads only the shards written since the last."""
from __future__ import annotations

from pathlib import Path

from analysis.histogram import Histogram
from analysis.shard import Shard
from analysis.stats import EndpointStats, Window
from runner.results.monitor_state import advance, save_monitor_state
from runner.store import LocalStore, put_shard


class CountingStore(LocalStore):
    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.reads: list[str] = []
        self.listed: list[str] = []

    def get_bytes(self, key: str) -> bytes:
        self.reads.append(key)
        return super().get_bytes(key)

    def list(self, prefix: str, start_after: str | None = None) -> list[str]:
        keys = super().list(prefix, start_after)
        self.listed += keys
        return keys


def shard(worker: int, seq: int, final: bool = False) -> Shard:
    stats = EndpointStats(requests=5, responses=5, statuses={"200": 5}, latency=Histogram.of([10_000] * 5),
                          latency_uncorrected=Histogram.of([9_000] * 5))
    return Shard("r", 0, worker, seq, {seq * 5 + i: Window(endpoints={"GET /": stats}) for i in range(5)}, final)


def tick(store: CountingStore, elapsed_s: int) -> tuple[int, list[str]]:
    store.reads.clear()
    store.listed.clear()
    progress, read = advance(store, "r", 0, workers=3, keep_from_second=elapsed_s - 40)
    save_monitor_state(store, "r", progress)
    return read, [k for k in store.reads if "/shards/" in k]


def test_a_tick_reads_only_the_shards_that_are_new_since_the_last(tmp_path: Path) -> None:
    store = CountingStore(tmp_path)
    for seq in range(3):
        for worker in range(3):
            put_shard(store, shard(worker, seq))
    assert tick(store, 15)[0] == 9
    for worker in range(3):
        put_shard(store, shard(worker, 3))
    read, keys = tick(store, 20)
    # read concurrently: in any order
    assert read == 3 and sorted(keys) == [f"runs/r/shards/0/000/000003/{w:05d}.json.gz" for w in range(3)]
    assert all("/000003/" in k for k in store.listed if "/shards/" in k)  # the listing started at the cursor
    assert tick(store, 25)[0] == 0  # nothing new: nothing read


def test_totals_add_up_and_only_the_recent_seconds_are_kept(tmp_path: Path) -> None:
    store = CountingStore(tmp_path)
    for seq in range(12):
        for worker in range(3):
            put_shard(store, shard(worker, seq, final=seq == 11))
    progress, _ = advance(store, "r", 0, workers=3, keep_from_second=20)
    assert progress.requests == 12 * 3 * 5 * 5 and progress.cursor(0).final == {0, 1, 2}
    assert min(progress.recent) == 20 and max(progress.recent) == 59
    assert progress.recent[30].endpoints["GET /"].requests == 15


def test_a_worker_far_behind_does_not_hold_the_cursor_back(tmp_path: Path) -> None:
    store = CountingStore(tmp_path)
    put_shard(store, shard(2, 0))  # worker 2 wrote once, then went silent
    for seq in range(10):
        for worker in range(2):
            put_shard(store, shard(worker, seq))
    tick(store, 50)
    put_shard(store, shard(0, 10))
    put_shard(store, shard(1, 10))
    read, _ = tick(store, 55)
    assert read == 2
    assert all(k >= "runs/r/shards/0/000/000010/" for k in store.listed if "/shards/" in k)


def test_two_slices_running_at_once_keep_their_own_cursors_and_one_set_of_totals(tmp_path: Path) -> None:
    """Slices hand over without a pause: the next slice's first shards arrive while the last
    slice's drain still writes its own; each slice's sequence numbers start at 0."""
    from runner.results.monitor_state import advance_slice, load_monitor_state
    store = CountingStore(tmp_path)
    for seq in range(3):
        put_shard(store, shard(0, seq, final=seq == 2))
        put_shard(store, Shard("r", 1, 0, seq, {100 + seq: Window(endpoints={"GET /": shard(0, 0).windows[0]
                                                                             .endpoints["GET /"]})}))
    progress = load_monitor_state(store, "r")
    assert advance_slice(store, "r", progress, 0, 1, keep_from_second=0) == 3
    assert advance_slice(store, "r", progress, 1, 1, keep_from_second=0) == 3
    assert progress.cursor(0).final == {0} and progress.cursor(1).final == set()
    assert progress.cursor(1).last_seq == {0: 2} and progress.requests == 3 * 25 + 3 * 5
    save_monitor_state(store, "r", progress)
    again = load_monitor_state(store, "r")
    assert again.cursor(1).cursor_seq(range(1)) == 3 and again.requests == progress.requests


def test_a_worker_the_state_machine_recorded_as_failed_counts_as_finished(tmp_path: Path) -> None:
    """The Worker task's catch writes failed/<slice>/<worker>.json: the monitor ends the slice
    without waiting out the grace for a final shard that will never come."""
    from runner.results.monitor_state import advance_slice, load_monitor_state
    store = CountingStore(tmp_path)
    put_shard(store, shard(0, 0, final=True))
    store.put_json("runs/r/failed/0/1.json", {"Error": "Lambda.TooManyRequestsException", "Cause": "Rate Exceeded."})
    progress = load_monitor_state(store, "r")
    advance_slice(store, "r", progress, 0, 2, keep_from_second=0)
    assert progress.cursor(0).final == {0} and progress.cursor(0).failed == {1} and progress.cursor(0).finished() == 2

