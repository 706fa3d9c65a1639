"""A reduce tree gives what one merge gives: four workers merged as two partial groups, written
to their dict form and read back, then folded, hold the same counts, the same histograms (merged,
never averaged: the groups' p99s are far apart) and the same per-second timeline as merging the
four workers' shards at once."""
from __future__ import annotations

import pytest

from analysis.merge import MergedRun, merge_shards
from analysis.partial import Partial, fold_partial, partial_of
from tests.unit.analysis.test_merge import shard, window


def workers() -> list:
    # two fast workers and two slow ones, over two seconds each
    return [shard(w, 0, {0: window(100, 2_000 if w < 2 else 80_000), 1: window(50, 3_000 if w < 2 else 90_000,
                                                                                errors=w)})
            for w in range(4)]


def group(shards: list, first: int) -> Partial:
    merged = merge_shards(shards)
    partial = partial_of(merged, 0, first, 2, ended_at_epoch_s=1_800_000_000.0, objects=len(shards), rejected=[])
    return Partial.from_dict(partial.to_dict(), f"partials/0/{first:05d}.json.gz")


def test_two_partial_groups_fold_into_exactly_what_one_merge_gives() -> None:
    everyone = workers()
    direct = merge_shards(everyone)
    tree = MergedRun()
    for first in (0, 2):
        fold_partial(tree, group(everyone[first:first + 2], first))
    assert tree.overall.requests == direct.overall.requests == 600
    assert tree.overall.error_count == direct.overall.error_count == 0 + 1 + 2 + 3
    assert tree.overall.latency.counts == direct.overall.latency.counts
    assert tree.overall.latency.percentile_us(99) == direct.overall.latency.percentile_us(99)
    # the average of the groups' p99s would be about half the slow group's: never that
    slow_p99_us = merge_shards(everyone[2:]).overall.latency.percentile_us(99)
    fast_p99_us = merge_shards(everyone[:2]).overall.latency.percentile_us(99)
    assert tree.overall.latency.percentile_us(99) != pytest.approx((slow_p99_us + fast_p99_us) / 2, rel=0.05)
    assert sorted(tree.timeline) == sorted(direct.timeline) == [0, 1]
    for second in (0, 1):
        assert tree.timeline[second].endpoints.keys() == direct.timeline[second].endpoints.keys()
        for name, stats in direct.timeline[second].endpoints.items():
            assert tree.timeline[second].endpoints[name].latency.counts == stats.latency.counts
    assert tree.workers == direct.workers  # every worker still named, with its shards and its final flag


def test_a_partial_that_is_not_one_is_named_by_its_key() -> None:
    with pytest.raises(ValueError, match="partials/0/00000.json.gz: not a Squall partial merge"):
        Partial.from_dict({"format": 99}, "partials/0/00000.json.gz")
    with pytest.raises(ValueError, match="a partial merge missing or mistyping"):
        Partial.from_dict({"format": 1, "slice": 0}, "k")
