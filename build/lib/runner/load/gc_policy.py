"""How a worker keeps Python's cyclic garbage collector out of its schedule.

Measured (bench, one worker): with the default thresholds the full collections took 5.2 s of a
12 s run at 22,000 arrivals/s, the longest 345 ms. With rare collections (thresholds 50,000 / 20 /
1,000) a worker that was held never collected at all, but one that had fallen behind did: the
backlog's tasks are live objects, so young collections scanned tens of thousands of them (a loop
watchdog at 22,000/s: 11 of 13-60 ms and one of 339 ms, 0.7 s of a 12 s run), and each pause made
more backlog.

A request's objects are freed by reference counting; what the collector finds are the rare
cycles (an exception's traceback, a cancelled task). So: everything alive at startup (the
imports, the parsed spec) is frozen out of the collector's view; during the load the automatic
collector is off and the worker collects itself at each flush (every 2 s locally, 5 s on Lambda),
skipping a flush while it is behind its schedule, but never more than MAX_SKIPS in a row, so
cycles never pile up for long.
"""
from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

YOUNG_THRESHOLD = 50_000  # allocations minus deallocations before a young collection (default 700)
MIDDLE_THRESHOLD = 20  # young collections before a middle one (default 10)
OLD_THRESHOLD = 1_000  # middle collections before a full one (default 10)
FULL_EVERY = 30  # every 30th collection at a flush is a full one; the others, young and middle
MAX_SKIPS = 5  # flushes in a row a worker behind its schedule may skip its collection


def settle_for_load() -> None:
    """Before the load: collect, freeze what is alive, and make automatic collections rare (a
    Locust worker keeps them: its greenlets are not paced by flushes)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, MIDDLE_THRESHOLD, OLD_THRESHOLD)


class FlushCollector:
    """The collector run by the load generator itself, at its flushes (``at_flush``)."""

    def __init__(self, collect: Callable[[int], int] = gc.collect) -> None:
        self.collect = collect
        self.collections = 0
        self.skipped = 0  # flushes skipped in a row

    @contextmanager
    def automatic_off(self) -> Iterator[None]:
        """The automatic collector off while the load runs, back as it was after (a Lambda
        execution environment is reused)."""
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            yield
        finally:
            if was_enabled:
                gc.enable()

    def at_flush(self, behind: bool) -> None:
        if behind and self.skipped < MAX_SKIPS:
            self.skipped += 1
            return
        self.skipped = 0
        self.collections += 1
        self.collect(2 if self.collections % FULL_EVERY == 0 else 1)
