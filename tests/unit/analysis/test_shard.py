"""Shard and snapshot keys under key groups of 200 workers: how they are made and read back."""
from __future__ import annotations

from analysis.shard import KEY_GROUP_WORKERS, Shard, delta_key_parts, key_group, snapshot_key, snapshot_key_parts
from runner.contract import GATHER_GROUP_WORKERS


def test_a_key_group_is_as_wide_as_a_gatherers_group_so_a_gatherer_lists_one_prefix() -> None:
    assert KEY_GROUP_WORKERS == GATHER_GROUP_WORKERS == 200
    assert [key_group(w) for w in (0, 199, 200, 4999)] == [0, 0, 1, 24]


def test_a_delta_shards_key_carries_its_group_and_reads_back() -> None:
    shard = Shard(run_id="r", slice_index=2, worker_index=250, seq=7)
    assert shard.key == "shards/2/001/000007/00250.json.gz"
    assert delta_key_parts("runs/r/" + shard.key) == (2, 7, 250)


def test_keys_of_another_shape_are_not_taken_for_delta_shards() -> None:
    assert delta_key_parts("runs/r/shards/2/000007/00250.json.gz") is None  # the layout before key groups
    assert delta_key_parts("runs/r/shards/2/000/000007/00250.json.gz") is None  # worker 250 is in group 001
    assert delta_key_parts("runs/r/gathered/2/000/000007/00250.json.gz") is None


def test_a_snapshots_key_carries_its_group_and_reads_back() -> None:
    assert snapshot_key(1, 401) == "snapshots/1/002/00401.json.gz"
    assert snapshot_key_parts("runs/r/snapshots/1/002/00401.json.gz") == (1, 401)
    assert snapshot_key_parts("runs/r/snapshots/1/00401.json.gz") is None
