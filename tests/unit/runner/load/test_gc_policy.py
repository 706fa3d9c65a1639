"""The worker keeps the cyclic garbage collector out of its schedule."""
from __future__ import annotations

import gc

from runner.load import gc_policy
from runner.load.gc_policy import FULL_EVERY, MAX_SKIPS, FlushCollector


def test_settling_for_load_freezes_what_is_alive_and_makes_collections_rare() -> None:
    thresholds = gc.get_threshold()
    try:
        gc_policy.settle_for_load()
        assert gc.get_freeze_count() > 1_000  # the imports and everything parsed before the load
        young, middle, old = gc.get_threshold()
        assert young >= 10_000 and middle >= 10 and old >= 100  # Python's defaults: 700, 10, 10
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


def test_during_the_load_the_automatic_collector_is_off_and_comes_back_after() -> None:
    was_enabled = gc.isenabled()
    gc.enable()
    try:
        with FlushCollector().automatic_off():
            assert not gc.isenabled()
        assert gc.isenabled()
    finally:
        if not was_enabled:
            gc.disable()


def test_the_worker_collects_at_its_flushes_young_and_middle_and_now_and_then_everything() -> None:
    generations: list[int] = []
    collector = FlushCollector(collect=lambda generation: generations.append(generation) or 0)
    for _ in range(2 * FULL_EVERY):
        collector.at_flush(behind=False)
    assert generations.count(2) == 2 and generations.count(1) == 2 * FULL_EVERY - 2


def test_a_worker_behind_its_schedule_skips_its_collections_but_never_more_than_a_few_in_a_row() -> None:
    generations: list[int] = []
    collector = FlushCollector(collect=lambda generation: generations.append(generation) or 0)
    for _ in range(MAX_SKIPS):
        collector.at_flush(behind=True)
    assert generations == []  # a young collection of the backlog would stall it further
    collector.at_flush(behind=True)
    assert generations == [1]  # cycles never pile up for long
    collector.at_flush(behind=False)
    assert generations == [1, 1]
