"""A shard: what one worker recorded since its previous flush, keyed by run second.

Shards are the unit the store holds. Delta shards (``shards/<slice>/<group>/<seq>/<worker>.json.gz``,
in the order they were written within a key group, so a listing cursor finds the new ones) each
hold one flush; a worker's last delta has ``final`` set. At its end a worker also writes a snapshot
(``snapshots/<slice>/<group>/<worker>.json.gz``): every window of its slice in one object, with
``covers`` the number of deltas it sums up — collect reads that one object per worker and the
deltas only for a worker that left no snapshot. ``from_dict`` rejects a malformed shard with a
message that names its key, so a bad file can never poison a merge.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from analysis.stats import EndpointStats, HealthStats, Window

SHARD_FORMAT = 1
# Workers whose objects share a key prefix (a key group: workers 0-199 are group 000, 200-399 group
# 001 ...): S3 serves about 3,500 writes and 5,500 reads a second per prefix, so 5,000 workers flushing
# every second write ~200 a second to each of 25 prefixes, never 5,000 to one. As wide as a gatherer's
# group (runner.contract.GATHER_GROUP_WORKERS; a test holds them equal), so a gatherer lists one prefix.
KEY_GROUP_WORKERS = 200


def key_group(worker_index: int) -> int:
    return worker_index // KEY_GROUP_WORKERS


def shard_group_prefix(slice_index: int, group: int) -> str:
    """The prefix of one key group's delta shards in a slice: ``shards/<slice>/<group>/``."""
    return f"shards/{slice_index}/{group:03d}/"


def delta_key_parts(key: str) -> tuple[int, int, int] | None:
    """(slice, seq, worker) of a delta shard's key (``…shards/<slice>/<group>/<seq>/<worker>.json.gz``);
    None for any other key."""
    parts = key.rsplit("/", 5)
    if len(parts) < 5 or parts[-5] != "shards" or not parts[-1].endswith(".json.gz"):
        return None
    try:
        slice_index, seq, worker = int(parts[-4]), int(parts[-2]), int(parts[-1].removesuffix(".json.gz"))
    except ValueError:
        return None
    return (slice_index, seq, worker) if parts[-3] == f"{key_group(worker):03d}" else None


def snapshot_key_parts(key: str) -> tuple[int, int] | None:
    """(slice, worker) of a snapshot's key (``…snapshots/<slice>/<group>/<worker>.json.gz``); None else."""
    parts = key.rsplit("/", 4)
    if len(parts) < 4 or parts[-4] != "snapshots" or not parts[-1].endswith(".json.gz"):
        return None
    slice_text, worker_text = parts[-3], parts[-1].removesuffix(".json.gz")
    if not slice_text.isdigit() or not worker_text.isdigit() or parts[-2] != f"{key_group(int(worker_text)):03d}":
        return None
    return int(slice_text), int(worker_text)


@dataclass
class Shard:
    run_id: str
    slice_index: int
    worker_index: int
    seq: int
    windows: dict[int, Window] = field(default_factory=dict)
    final: bool = False
    error: str | None = None  # set when the worker ended on an unexpected error
    ended_at_epoch_s: float | None = None  # on a final shard: when the worker's drain ended (wall clock)
    covers: int | None = None  # a snapshot: how many delta shards (seq 0 .. covers - 1) it sums up
    # A snapshot's totals: every endpoint and scenario over the whole slice; its windows are then
    # compact (each second's endpoints in one, under ALL_ENDPOINTS), as the timeline needs them.
    totals: Window | None = None
    # On a final shard: why the worker stopped before its planned end when no stop flag asked it to
    # (the squall process that ran it is gone, it was sent a signal): the run was cut short.
    interrupted: str | None = None
    # On a locustfile worker's final shard: environment.process_exit_code as the file's listeners set it
    process_exit_code: int | None = None

    @property
    def key(self) -> str:
        if self.covers is not None:
            return snapshot_key(self.slice_index, self.worker_index)
        return f"{shard_group_prefix(self.slice_index, key_group(self.worker_index))}{self.seq:06d}/" \
               f"{self.worker_index:05d}.json.gz"

    def to_dict(self, windows: bool = True) -> dict[str, Any]:
        """The shard as JSON data; ``windows`` False: all but its windows (runner.store encodes those one by
        one, after the rest, under the key "windows")."""
        return {
            "format": SHARD_FORMAT, "run_id": self.run_id, "slice": self.slice_index,
            "worker": self.worker_index, "seq": self.seq, "final": self.final, "error": self.error,
            "ended_at_epoch_s": self.ended_at_epoch_s, "covers": self.covers,
            "totals": self.totals.to_dict() if self.totals is not None else None,
            **({"interrupted": self.interrupted} if self.interrupted is not None else {}),
            **({"process_exit_code": self.process_exit_code} if self.process_exit_code is not None else {}),
            **({"windows": {str(second): w.to_dict() for second, w in sorted(self.windows.items())}} if windows else {}),
        }

    @classmethod
    def from_dict(cls, data: Any, key: str) -> Shard:
        """A shard read back from the store, every field checked (an untrusted object): a
        ValueError naming the key and the field otherwise."""
        if not isinstance(data, dict) or data.get("format") != SHARD_FORMAT:
            raise ValueError(f"{key}: not a Squall shard (format {SHARD_FORMAT} expected)")
        for name in ("slice", "worker", "seq"):
            _check(key, name, data.get(name), _is_count(data.get(name)), "an integer >= 0")
        error, ended, covers = data.get("error"), data.get("ended_at_epoch_s"), data.get("covers")
        totals, interrupted, exit_code = data.get("totals"), data.get("interrupted"), data.get("process_exit_code")
        _check(key, "ended_at_epoch_s", ended, ended is None or _is_number(ended), "a time in seconds")
        _check(key, "covers", covers, covers is None or _is_count(covers), "a count of shards")
        _check(key, "process_exit_code", exit_code, exit_code is None or _is_number(exit_code, whole=True),
               "a whole number")
        return cls(
            run_id=str(data.get("run_id", "")), slice_index=data["slice"],
            worker_index=data["worker"], seq=data["seq"], windows=_windows(data.get("windows"), key),
            final=bool(data.get("final", False)), error=None if error is None else str(error),
            ended_at_epoch_s=None if ended is None else float(ended), covers=covers,
            totals=None if totals is None else Window.from_dict(totals, f"{key}: totals"),
            interrupted=None if interrupted is None else str(interrupted), process_exit_code=exit_code,
        )


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_number(value: Any, whole: bool = False) -> bool:
    return isinstance(value, int if whole else int | float) and not isinstance(value, bool)


def _check(key: str, name: str, value: Any, ok: bool, expected: str) -> None:
    if not ok:
        raise ValueError(f"{key}: {name}: expected {expected}, got {value!r}")


def _windows(windows: Any, key: str) -> dict[int, Window]:
    if not isinstance(windows, dict):
        raise ValueError(f"{key}: windows: expected a map of seconds to windows")
    parsed: dict[int, Window] = {}
    for second, window in windows.items():
        try:
            index = int(second)
        except (TypeError, ValueError):
            raise ValueError(f"{key}: windows: {second!r} is not a second") from None
        parsed[index] = Window.from_dict(window, f"{key}: windows[{second}]")
    return parsed


def snapshot_key(slice_index: int, worker_index: int) -> str:
    return f"snapshots/{slice_index}/{key_group(worker_index):03d}/{worker_index:05d}.json.gz"


ALL_ENDPOINTS = "*"  # a compact second: every endpoint's requests, statuses, errors and latency in one


def per_second(window: Window) -> Window:
    """One second as the run's timeline needs it: its endpoints' counts and latency (from the
    intended start) merged into one, and the generator's health; no scenarios, no uncorrected
    latency (the totals keep those)."""
    merged = EndpointStats()
    for stats in window.endpoints.values():
        merged.requests += stats.requests
        merged.responses += stats.responses
        for name, source in (("statuses", stats.statuses), ("errors", stats.errors),
                             ("error_statuses", stats.error_statuses)):
            target = getattr(merged, name)
            for key, count in source.items():
                target[key] = target.get(key, 0) + count
        merged.latency.merge(stats.latency)
    health = HealthStats()
    health.merge(window.health)
    return Window(endpoints={ALL_ENDPOINTS: merged} if window.endpoints else {}, health=health)


def compact(windows: dict[int, Window]) -> tuple[dict[int, Window], Window]:
    """A worker's whole slice as its snapshot holds it: (compact seconds, totals)."""
    totals = Window()
    for window in windows.values():
        totals.merge(window)
    return {second: per_second(window) for second, window in windows.items()}, totals


def cumulate(into: dict[int, Window], shard: Shard) -> None:
    """Add a delta shard's windows to a running per-second total (a worker's snapshot)."""
    for second, window in shard.windows.items():
        into.setdefault(second, Window()).merge(window)
