"""The AWS monitor's state between its ticks: a run's progress, merged incrementally.

Each tick lists only the delta shards written since the last one (a listing cursor per key
group, in the ``shards/<slice>/<group>/<seq>/<worker>`` order), reads those, adds them to running totals and to
the last few seconds of the timeline (what abort rules and the live figures judge), and
stores that state again (``runs/<id>/monitor/state.json.gz``). Its work and memory follow
what is new, never the run's length: minute 55 of a one-hour run costs what minute 1 did.
One monitor watches the whole run: slices hand over without a pause, so two may be running at
once (the next one's first seconds, the last one's drain); each has its own cursor.

A wide slice's workers are read in groups: a gatherer per group (runner.results.gather) merges its
workers' new shards into one gathered object a tick, and the monitor reads those instead, so a
tick reads O(groups) objects. A group whose gatherer failed for good is read worker by worker
again, from the cursor its last gathered object left.
"""
from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from analysis.gathered import Gathered, gathered_key_parts
from analysis.shard import Shard, delta_key_parts
from analysis.stats import EndpointStats, HealthStats, Window
from runner.store import (
    Store,
    StoreError,
    failure_keys,
    fetch_parallel,
    gather_failures,
    read_gathered,
    read_parallel,
    run_prefix,
    shard_keys_since,
)

STALE_SEQS = 6  # a worker this many flushes behind the newest no longer holds the cursor back


@dataclass
class SliceCursor:
    """Where the monitor is in one slice's delta shards."""
    last_seq: dict[int, int] = field(default_factory=dict)  # worker -> newest delta seq read
    final: set[int] = field(default_factory=set)  # workers whose final delta was read
    failed: set[int] = field(default_factory=set)  # workers whose invocation failed for good (no final shard)
    gathered: dict[int, int] = field(default_factory=dict)  # group (first worker) -> newest gathered seq read

    def finished(self) -> int:
        return len(self.final | self.failed)

    def cursor_seq(self, workers: Iterable[int]) -> int:
        """The oldest delta any of ``workers`` still running may write next; a worker far behind the
        others (dead, or stalled) is left out, so it cannot make every tick re-read the slice."""
        if not self.last_seq:
            return 0
        newest = max(self.last_seq.values())
        waiting = [self.last_seq.get(w, -1) + 1 for w in workers
                   if w not in self.final | self.failed and self.last_seq.get(w, -1) >= newest - STALE_SEQS]
        return min(waiting) if waiting else newest + 1

    def add(self, shard: Shard) -> None:
        self.last_seq[shard.worker_index] = max(self.last_seq.get(shard.worker_index, -1), shard.seq)
        if shard.final:
            self.final.add(shard.worker_index)

    def to_dict(self) -> dict[str, Any]:
        return {"last_seq": {str(w): s for w, s in self.last_seq.items()}, "final": sorted(self.final),
                "failed": sorted(self.failed), "gathered": {str(g): s for g, s in self.gathered.items()}}

    @classmethod
    def from_dict(cls, document: dict[str, Any]) -> SliceCursor:
        return cls({int(w): int(s) for w, s in document["last_seq"].items()}, {int(w) for w in document["final"]},
                   {int(w) for w in document.get("failed", [])},
                   {int(g): int(s) for g, s in document.get("gathered", {}).items()})


@dataclass
class MonitorState:
    cursors: dict[int, SliceCursor] = field(default_factory=dict)  # slice -> its cursor
    starts: dict[int, float] = field(default_factory=dict)  # slice -> its real start (epoch s), once recorded
    requests: int = 0
    errors: int = 0
    recent: dict[int, Window] = field(default_factory=dict)  # the last seconds of the merged timeline
    rejected: list[str] = field(default_factory=list)
    endpoints: dict[str, EndpointStats] = field(default_factory=dict)  # the run's totals (the live page's table)
    health: HealthStats = field(default_factory=HealthStats)

    def cursor(self, slice_index: int) -> SliceCursor:
        return self.cursors.setdefault(slice_index, SliceCursor())

    def to_bytes(self) -> bytes:
        document = {"cursors": {str(k): c.to_dict() for k, c in sorted(self.cursors.items())},
                    "starts": {str(k): s for k, s in sorted(self.starts.items())},
                    "requests": self.requests, "errors": self.errors,
                    "recent": {str(s): w.to_dict() for s, w in sorted(self.recent.items())},
                    "rejected": self.rejected[-50:],
                    "endpoints": {name: stats.to_dict() for name, stats in sorted(self.endpoints.items())},
                    "health": self.health.to_dict()}
        return gzip.compress(json.dumps(document, separators=(",", ":")).encode(), compresslevel=5)

    @classmethod
    def from_bytes(cls, data: bytes, where: str) -> MonitorState:
        document: dict[str, Any] = json.loads(gzip.decompress(data))
        return cls({int(k): SliceCursor.from_dict(c) for k, c in document["cursors"].items()},
                   {int(k): float(s) for k, s in document["starts"].items()},
                   int(document["requests"]), int(document["errors"]),
                   {int(s): Window.from_dict(w, f"{where}: recent[{s}]") for s, w in document["recent"].items()},
                   list(document["rejected"]),
                   {name: EndpointStats.from_dict(stats, f"{where}: endpoints[{name}]")
                    for name, stats in document.get("endpoints", {}).items()},
                   HealthStats.from_dict(document["health"], f"{where}: health") if "health" in document
                   else HealthStats())

    def add(self, shard: Shard, keep_from_second: int) -> None:
        self.cursor(shard.slice_index).add(shard)
        self.add_windows(shard.windows, keep_from_second)

    def add_gathered(self, gathered: Gathered, keep_from_second: int) -> None:
        """A group's gathered object: its shards' windows, and the group's cursor after them."""
        cursor = self.cursor(gathered.slice_index)
        for worker, seq in gathered.last_seq.items():
            cursor.last_seq[worker] = max(cursor.last_seq.get(worker, -1), seq)
        cursor.final |= gathered.final
        cursor.gathered[gathered.first_worker] = max(cursor.gathered.get(gathered.first_worker, -1), gathered.seq)
        self.rejected.extend(gathered.rejected)
        self.add_windows(gathered.windows, keep_from_second)

    def add_windows(self, windows: dict[int, Window], keep_from_second: int) -> None:
        for second, window in windows.items():
            self.health.merge(window.health)
            for name, stats in window.endpoints.items():
                self.requests += stats.requests
                self.errors += stats.error_count
                self.endpoints.setdefault(name, EndpointStats()).merge(stats)
            if second >= keep_from_second:
                self.recent.setdefault(second, Window()).merge(window)

    def forget_before(self, second: int) -> None:
        for old in [s for s in self.recent if s < second]:
            del self.recent[old]


def state_key(run_id: str) -> str:
    return run_prefix(run_id) + "monitor/state.json.gz"


def load_monitor_state(store: Store, run_id: str) -> MonitorState:
    key = state_key(run_id)
    if not store.exists(key):
        return MonitorState()
    try:
        return MonitorState.from_bytes(store.get_bytes(key), key)
    except (OSError, EOFError, ValueError, KeyError, TypeError) as error:
        raise StoreError(f"{store.uri(key)}: the monitor's state is unreadable ({error})") from None


def advance_slice(store: Store, run_id: str, progress: MonitorState, slice_index: int, workers: int,
                  keep_from_second: int, groups: Iterable[tuple[int, int]] = ()) -> int:
    """Read what one slice's workers wrote since the last tick into ``progress``: the gathered
    objects of its ``groups`` (first worker, workers) whose gatherer goes on, the delta shards of
    every other worker. Returns how many objects it read."""
    cursor = progress.cursor(slice_index)
    groups = list(groups)
    fallen = gather_failures(store, run_id, slice_index) if groups else set()
    gathered = [(first, count) for first, count in groups if first not in fallen]
    read = advance_gathered(store, run_id, progress, slice_index, gathered, keep_from_second) if gathered else 0
    by_group = {w for first, count in gathered for w in range(first, first + count)}
    direct = [w for w in range(workers) if w not in by_group]
    if direct:
        read += advance_workers(store, run_id, progress, slice_index, direct, keep_from_second)
    # a worker the state machine's catch recorded as failed (throttled, timed out) writes no final shard
    cursor.failed |= {worker for (_, worker) in failure_keys(store, run_id, slice_index)} - cursor.final
    return read


def advance_workers(store: Store, run_id: str, progress: MonitorState, slice_index: int, workers: list[int],
                    keep_from_second: int) -> int:
    """The delta shards ``workers`` wrote since the last tick, read one by one."""
    cursor = progress.cursor(slice_index)
    seq = cursor.cursor_seq(workers)
    wanted = set(workers)
    keys = []
    for key in shard_keys_since(store, run_id, slice_index, workers, seq):
        parts = delta_key_parts(key)
        if parts is not None and parts[2] in wanted and parts[1] > cursor.last_seq.get(parts[2], -1):
            keys.append(key)
    for shard in read_parallel(store, keys, progress.rejected):
        progress.add(shard, keep_from_second)
    return len(keys)


def advance_gathered(store: Store, run_id: str, progress: MonitorState, slice_index: int,
                     groups: list[tuple[int, int]], keep_from_second: int) -> int:
    """The gathered objects ``groups`` wrote since the last tick (one a group a tick at most)."""
    cursor = progress.cursor(slice_index)
    # a group whose workers all wrote their final shard (read) writes nothing more; one whose workers
    # all failed may have written its last object before: still read, but it no longer holds the
    # listing back (its gatherer has stopped)
    going = {first for first, count in groups if not set(range(first, first + count)) <= cursor.final}
    awaited = {first for first, count in groups
               if not set(range(first, first + count)) <= cursor.final | cursor.failed}
    if not going:
        return 0
    seq = min(cursor.gathered.get(first, -1) + 1 for first in awaited or going)
    prefix = f"{run_prefix(run_id)}gathered/{slice_index}/"
    keys = []
    for key in store.list(prefix, f"{prefix}{seq:06d}/" if seq > 0 else None):
        parts = gathered_key_parts(key)
        if parts is not None and parts[2] in going and parts[1] > cursor.gathered.get(parts[2], -1):
            keys.append(key)
    for gathered in fetch_parallel(store, keys, progress.rejected, read_gathered):
        progress.add_gathered(gathered, keep_from_second)
    return len(keys)


def advance(store: Store, run_id: str, slice_index: int, workers: int, keep_from_second: int) -> tuple[MonitorState, int]:
    """Read what is new in one slice since the last tick into the stored progress; returns it and
    how many shards this tick read. The caller stores it again (``save_monitor_state``)."""
    progress = load_monitor_state(store, run_id)
    read = advance_slice(store, run_id, progress, slice_index, workers, keep_from_second)
    progress.forget_before(keep_from_second)
    return progress, read


def save_monitor_state(store: Store, run_id: str, progress: MonitorState) -> None:
    store.put_bytes(state_key(run_id), progress.to_bytes())
