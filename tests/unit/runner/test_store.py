"""The run's key layout on a store (runner/store.py): stop flags per key group, written by every
stopper and read by each worker from its own group's key; shard listings limited to the groups
asked for, each from its own cursor."""
from __future__ import annotations

from pathlib import Path

from analysis.shard import Shard
from runner.store import LocalStore, put_shard, request_stop, shard_keys, shard_keys_since, stop_flag_key, stop_key


class ListingStore(LocalStore):
    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.listed: list[tuple[str, str | None]] = []

    def list(self, prefix: str, start_after: str | None = None) -> list[str]:
        self.listed.append((prefix, start_after))
        return super().list(prefix, start_after)


def test_a_stop_writes_the_reason_and_every_key_groups_flag_from_the_plan(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    store.put_json("runs/r/plan.json", {"workers": 450})
    request_stop(store, "r", b"stopped by squall stop\n")
    assert store.get_bytes(stop_key("r")) == b"stopped by squall stop\n"
    assert sorted(store.list("runs/r/control/stop-groups/")) == [
        f"runs/r/control/stop-groups/{g:03d}" for g in (0, 1, 2)]
    assert all(store.exists(stop_flag_key("r", worker)) for worker in (0, 199, 200, 449))


def test_each_worker_polls_its_own_groups_flag() -> None:
    assert stop_flag_key("r", 0) == stop_flag_key("r", 199) == "runs/r/control/stop-groups/000"
    assert stop_flag_key("r", 200) == "runs/r/control/stop-groups/001"


def test_a_stop_before_the_plan_writes_the_reason_only(tmp_path: Path) -> None:
    """No plan: no worker runs yet, and a slice finds control/stop before it starts."""
    store = LocalStore(tmp_path)
    request_stop(store, "r", b"x")
    assert store.exists(stop_key("r")) and store.list("runs/r/control/stop-groups/") == []


def test_a_listing_since_a_cursor_reads_only_the_groups_of_the_workers_asked_for(tmp_path: Path) -> None:
    store = ListingStore(tmp_path)
    for worker in (0, 1, 200, 201, 400):
        for seq in range(3):
            put_shard(store, Shard(run_id="r", slice_index=0, worker_index=worker, seq=seq))
    keys = shard_keys_since(store, "r", 0, range(200, 202), 2)
    assert keys == ["runs/r/shards/0/001/000002/00200.json.gz", "runs/r/shards/0/001/000002/00201.json.gz"]
    assert store.listed == [("runs/r/shards/0/001/", "runs/r/shards/0/001/000002/")]
    assert len(shard_keys(store, "r")) == 15 and len(shard_keys(store, "r", 0)) == 15


def test_a_shard_encoded_a_window_at_a_time_is_the_whole_shard_gzipped() -> None:
    """A worker encodes its shards on its event loop in pieces (runner.store.shard_pieces): joined, they are
    one gzip stream of the shard's JSON, read back to the same shard, with no window, one or several."""
    import gzip
    import json

    from analysis.histogram import Histogram
    from analysis.stats import EndpointStats, Window
    from runner.store import shard_bytes, shard_pieces
    busy = {second: Window(endpoints={"GET /a": EndpointStats(requests=second, responses=second,
                                                              latency=Histogram.of([1_000 * second, 70_000]))})
            for second in (3, 1, 2)}
    for windows in ({}, {5: Window()}, busy):
        shard = Shard("r", 0, 4, 7, windows, final=True, error="boom")
        pieces = list(shard_pieces(shard))
        assert len(pieces) == len(windows) + 2  # the rest, each window, the end
        data = json.loads(gzip.decompress(b"".join(pieces)))
        assert data == json.loads(json.dumps(shard.to_dict()))
        assert Shard.from_dict(data, "k").to_dict() == shard.to_dict()
        assert shard_bytes(shard)[1] == b"".join(pieces)
