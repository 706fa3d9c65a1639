"""A gatherer: one group of a wide slice's workers, read every second while the slice runs, its
new delta shards merged into one gathered object a tick (analysis.gathered). The monitor then
reads a gathered object per group instead of a shard per worker: its tick reads O(groups) objects
at any worker count, and the gatherers share the decoding (each reads its own group, at once).

Its state is its last gathered object (the group's cursor rides in it), so an invocation that
was cut off and retried picks up from what the store holds, and writes nothing twice.
"""
from __future__ import annotations

from dataclasses import dataclass

from analysis.gathered import Gathered
from analysis.shard import delta_key_parts
from analysis.stats import Window
from runner.results.monitor_state import SliceCursor
from runner.store import Store, failure_keys, gathered_at, put_gathered, read_parallel, shard_keys_since


@dataclass(frozen=True)
class Group:
    slice_index: int
    first_worker: int
    workers: int

    @property
    def covers(self) -> range:
        return range(self.first_worker, self.first_worker + self.workers)


def resume(store: Store, run_id: str, group: Group, next_seq: int) -> tuple[Gathered | None, int]:
    """The group's newest gathered object and the seq its next one takes: from ``next_seq`` (what
    the last invocation said), past any an invocation wrote before it was cut off."""
    last = gathered_at(store, run_id, group.slice_index, next_seq - 1, group.first_worker) if next_seq > 0 else None
    while (later := gathered_at(store, run_id, group.slice_index, next_seq, group.first_worker)) is not None:
        last, next_seq = later, next_seq + 1
    return last, next_seq


def gather_tick(store: Store, run_id: str, group: Group, last: Gathered | None, seq: int) -> Gathered | None:
    """Read the group's delta shards written since ``last`` and store them as gathered object
    ``seq``; None (and nothing written) when there was nothing new."""
    cursor = SliceCursor(dict(last.last_seq), set(last.final)) if last is not None else SliceCursor()
    start = cursor.cursor_seq(group.covers)
    keys = []
    for key in shard_keys_since(store, run_id, group.slice_index, group.covers, start):
        parts = delta_key_parts(key)
        if parts is not None and parts[2] in group.covers and parts[1] > cursor.last_seq.get(parts[2], -1):
            keys.append(key)
    if not keys:
        return None
    gathered = Gathered(group.slice_index, group.first_worker, group.workers, seq)
    for key in keys:  # past an unreadable shard too: it is named once, not at every tick
        _, shard_seq, worker = delta_key_parts(key) or (0, -1, -1)
        cursor.last_seq[worker] = max(cursor.last_seq.get(worker, -1), shard_seq)
    for shard in read_parallel(store, keys, gathered.rejected, threads=16):
        cursor.add(shard)
        for second, window in shard.windows.items():
            gathered.windows.setdefault(second, Window()).merge(window)
    gathered.last_seq, gathered.final, gathered.shards = cursor.last_seq, cursor.final, len(keys)
    put_gathered(store, run_id, gathered)
    return gathered


def group_done(store: Store, run_id: str, group: Group, last: Gathered | None) -> bool:
    """Every worker of the group wrote its final shard, or failed for good (the state machine's catch)."""
    finished = set(last.final) if last is not None else set()
    if set(group.covers) <= finished:
        return True
    failed = {worker for (_, worker) in failure_keys(store, run_id, group.slice_index)}
    return set(group.covers) <= finished | failed
