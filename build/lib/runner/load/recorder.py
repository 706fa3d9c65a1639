"""Collects what the load generator measures into per-second windows and hands them out
as shards. Windows are deltas: a flush swaps the current windows out, so a second that
spans two flushes simply appears in both shards and adds up on merge.

Times are the injected monotonic clock's seconds; ``second_of`` maps them to run seconds.
"""
from __future__ import annotations

from analysis.shard import Shard
from analysis.stats import Window


class Recorder:
    def __init__(self, run_id: str, slice_index: int, worker_index: int, start_mono_s: float) -> None:
        self.run_id = run_id
        self.slice_index = slice_index
        self.worker_index = worker_index
        self.start_mono_s = start_mono_s
        self.windows: dict[int, Window] = {}
        self.seq = 0  # the next shard's sequence number (increasing, with gaps when aligned)
        self.taken = 0  # shards handed out

    def window_at(self, mono_s: float) -> Window:
        second = int(mono_s - self.start_mono_s) if mono_s >= self.start_mono_s else -1
        window = self.windows.get(second)
        if window is None:
            window = self.windows[second] = Window()
        return window

    def take_shard(self, final: bool = False, error: str | None = None, seq_at_least: int = 0) -> Shard:
        """Hand out everything recorded since the last shard. Callers look windows up afresh
        after every await, so the windows handed out are never written to again.
        ``seq_at_least``: the flush number on the slice's clock, so that every worker's n-th
        flush interval has the same sequence number, whenever the worker started (the
        monitor's listing cursor relies on it)."""
        windows, self.windows = self.windows, {}
        seq = max(self.seq, seq_at_least)
        shard = Shard(self.run_id, self.slice_index, self.worker_index, seq, windows, final, error)
        self.seq = seq + 1
        self.taken += 1
        return shard
