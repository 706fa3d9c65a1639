"""The worker keeps the cyclic garbage collector out of its schedule."""
from __future__ import annotations

import gc

from runner.load import gc_policy


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
