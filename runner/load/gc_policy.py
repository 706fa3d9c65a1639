"""How a worker keeps Python's cyclic garbage collector out of its schedule.

Measured (bench, one worker at 22,000 arrivals/s): with the default thresholds the full
collections took 5.2 s of a 12 s run, the longest 345 ms. Each pause made arrivals late,
the backlog launched at once kept tens of thousands of tasks alive, and every later full
collection had more to scan: the worker collapsed to 2,000 requests/s at 98 % CPU.

A request's objects are freed by reference counting; what the collector finds are the rare
cycles (an exception's traceback, a cancelled task). So: everything alive at startup (the
imports, the parsed spec) is frozen out of the collector's view, young collections run
rarely, and full collections only once much has been promoted.
"""
from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000  # allocations minus deallocations before a young collection (default 700)
MIDDLE_THRESHOLD = 20  # young collections before a middle one (default 10)
OLD_THRESHOLD = 1_000  # middle collections before a full one (default 10)


def settle_for_load() -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, MIDDLE_THRESHOLD, OLD_THRESHOLD)
