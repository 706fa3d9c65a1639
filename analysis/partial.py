"""A partial merge: a group of workers of one slice merged into one object, so a long and wide
run's collect is a reduce tree (the groups merged in parallel, then one small final merge)
rather than one merge of every worker's snapshot.

It holds what the final merge needs and nothing it would recompute: the group's totals (every
endpoint and scenario, the generator's health), its compact per-second timeline, and each
worker's report (shards, final, error, interrupted) so that missing or failed workers are still named.
Merging partials gives exactly what merging the workers' shards gives: histograms are merged,
never averaged (tests/unit/analysis/test_partial.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from analysis.merge import MergedRun, WorkerReport, fold_window
from analysis.stats import Window

PARTIAL_FORMAT = 1


@dataclass
class Partial:
    slice_index: int
    first_worker: int
    worker_count: int  # the group: workers first_worker .. first_worker + worker_count - 1
    totals: Window = field(default_factory=Window)
    timeline: dict[int, Window] = field(default_factory=dict)
    workers: dict[int, WorkerReport] = field(default_factory=dict)  # the group's workers that sent anything
    ended_at_epoch_s: float | None = None  # the group's last worker's end of drain
    objects: int = 0  # shard objects the group's merge read
    rejected: list[str] = field(default_factory=list)
    duplicates: int = 0

    @property
    def covers(self) -> range:
        return range(self.first_worker, self.first_worker + self.worker_count)

    def to_dict(self) -> dict[str, Any]:
        return {"format": PARTIAL_FORMAT, "slice": self.slice_index, "first_worker": self.first_worker,
                "worker_count": self.worker_count, "totals": self.totals.to_dict(),
                "timeline": {str(s): w.to_dict() for s, w in sorted(self.timeline.items())},
                "workers": {str(w): {"shards": r.shards, "final": r.final, "error": r.error,
                                     **({"interrupted": r.interrupted} if r.interrupted else {}),
                                     **({"process_exit_code": r.process_exit_code}
                                        if r.process_exit_code is not None else {})}
                            for w, r in sorted(self.workers.items())},
                "ended_at_epoch_s": self.ended_at_epoch_s, "objects": self.objects,
                "rejected": self.rejected, "duplicates": self.duplicates}

    @classmethod
    def from_dict(cls, data: Any, key: str) -> Partial:
        if not isinstance(data, dict) or data.get("format") != PARTIAL_FORMAT:
            raise ValueError(f"{key}: not a Squall partial merge (format {PARTIAL_FORMAT} expected)")
        try:
            workers = {int(w): WorkerReport(int(r["shards"]), bool(r["final"]),
                                            None if r["error"] is None else str(r["error"]),
                                            None if r.get("interrupted") is None else str(r["interrupted"]),
                                            None if r.get("process_exit_code") is None else int(r["process_exit_code"]))
                       for w, r in data["workers"].items()}
            ended = data["ended_at_epoch_s"]
            return cls(int(data["slice"]), int(data["first_worker"]), int(data["worker_count"]),
                       Window.from_dict(data["totals"], f"{key}: totals"),
                       {int(s): Window.from_dict(w, f"{key}: timeline[{s}]") for s, w in data["timeline"].items()},
                       workers, None if ended is None else float(ended), int(data["objects"]),
                       [str(r) for r in data["rejected"]], int(data["duplicates"]))
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"{key}: a partial merge missing or mistyping {error}") from None


def partial_of(run: MergedRun, slice_index: int, first_worker: int, worker_count: int,
               ended_at_epoch_s: float | None, objects: int, rejected: list[str]) -> Partial:
    """A group's merge (``run``: its workers' shards merged) as a partial."""
    totals = Window(endpoints=run.endpoints, scenarios=run.scenarios, health=run.health)
    workers = {worker: report for (slice_, worker), report in run.workers.items() if slice_ == slice_index}
    return Partial(slice_index, first_worker, worker_count, totals, run.timeline, workers, ended_at_epoch_s,
                   objects, list(rejected), run.duplicate_shards)


def fold_partial(run: MergedRun, partial: Partial) -> None:
    """Add a group's partial merge to the run's merge, as its workers' shards would have added."""
    fold_window(run, partial.totals)
    for second, window in partial.timeline.items():
        run.timeline.setdefault(second, Window()).merge(window)
    for worker, report in partial.workers.items():
        run.workers[(partial.slice_index, worker)] = report
    run.duplicate_shards += partial.duplicates
