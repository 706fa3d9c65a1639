"""What a gatherer read in one tick: the new delta shards of a group of one slice's workers,
merged into one object, so the AWS monitor reads one small object per group a tick however
many workers a slice has (a tick's work is bounded by the number of groups, not of workers).

A gathered object also carries the group's cursor after it (each worker's newest delta seq read,
the workers whose final delta was read): the monitor takes its per-worker cursor from it, so a
group whose gatherer failed is read worker by worker from exactly where its last gathered object
left off, with nothing counted twice or lost. Merging gathered objects gives what merging their
shards gives: windows are merged, histograms never averaged.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from analysis.stats import Window

GATHERED_FORMAT = 1


@dataclass
class Gathered:
    slice_index: int
    first_worker: int
    worker_count: int  # the group: workers first_worker .. first_worker + worker_count - 1
    seq: int  # the gatherer's own sequence: 0, 1, 2 ... one per tick that read anything
    windows: dict[int, Window] = field(default_factory=dict)  # the run seconds of the shards read this tick
    last_seq: dict[int, int] = field(default_factory=dict)  # worker -> newest delta seq read, up to this tick
    final: set[int] = field(default_factory=set)  # workers whose final delta was read, up to this tick
    shards: int = 0  # delta shards merged into this object
    rejected: list[str] = field(default_factory=list)  # unreadable shards, named

    @property
    def key(self) -> str:
        return gathered_key(self.slice_index, self.seq, self.first_worker)

    @property
    def covers(self) -> range:
        return range(self.first_worker, self.first_worker + self.worker_count)

    def to_dict(self) -> dict[str, Any]:
        return {"format": GATHERED_FORMAT, "slice": self.slice_index, "first_worker": self.first_worker,
                "worker_count": self.worker_count, "seq": self.seq,
                "windows": {str(s): w.to_dict() for s, w in sorted(self.windows.items())},
                "last_seq": {str(w): s for w, s in sorted(self.last_seq.items())}, "final": sorted(self.final),
                "shards": self.shards, "rejected": self.rejected}

    @classmethod
    def from_dict(cls, data: Any, key: str) -> Gathered:
        if not isinstance(data, dict) or data.get("format") != GATHERED_FORMAT:
            raise ValueError(f"{key}: not a Squall gathered object (format {GATHERED_FORMAT} expected)")
        try:
            return cls(int(data["slice"]), int(data["first_worker"]), int(data["worker_count"]), int(data["seq"]),
                       {int(s): Window.from_dict(w, f"{key}: windows[{s}]") for s, w in data["windows"].items()},
                       {int(w): int(s) for w, s in data["last_seq"].items()}, {int(w) for w in data["final"]},
                       int(data["shards"]), [str(r) for r in data["rejected"]])
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"{key}: not a Squall gathered object ({error!r})") from None


def gathered_key(slice_index: int, seq: int, first_worker: int) -> str:
    """``gathered/<slice>/<seq>/<first worker>``: in the order written, so a listing cursor finds the new ones."""
    return f"gathered/{slice_index}/{seq:06d}/{first_worker:05d}.json.gz"


def gathered_key_parts(key: str) -> tuple[int, int, int] | None:
    """(slice, seq, first worker) of a gathered object's key; None for any other key."""
    return sequenced_key_parts(key, "gathered")


def sequenced_key_parts(key: str, folder: str) -> tuple[int, int, int] | None:
    """(slice, seq, worker) of a ``<folder>/<slice>/<seq>/<worker>.json.gz`` key (a delta shard's,
    a gathered object's); None for any other key."""
    parts = key.rsplit("/", 4)
    if len(parts) < 4 or parts[-4] != folder or not parts[-1].endswith(".json.gz"):
        return None
    try:
        return int(parts[-3]), int(parts[-2]), int(parts[-1].removesuffix(".json.gz"))
    except ValueError:
        return None
