"""Merge shards into one run result: overall, per endpoint, per scenario and per second.

Histograms are merged and percentiles read afterwards; percentiles are never averaged.
A shard delivered twice (same slice, worker and sequence number) counts once. Give a worker's
snapshot or its delta shards, never both (runner.results.collect chooses).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from analysis.shard import Shard, per_second
from analysis.stats import EndpointStats, HealthStats, ScenarioStats, Window


@dataclass
class WorkerReport:
    shards: int = 0
    final: bool = False
    error: str | None = None
    interrupted: str | None = None  # why it stopped before its planned end, unasked (analysis.shard)
    process_exit_code: int | None = None  # a locustfile's environment.process_exit_code in this worker


@dataclass
class MergedRun:
    overall: EndpointStats = field(default_factory=EndpointStats)
    endpoints: dict[str, EndpointStats] = field(default_factory=dict)
    scenarios: dict[str, ScenarioStats] = field(default_factory=dict)
    health: HealthStats = field(default_factory=HealthStats)
    timeline: dict[int, Window] = field(default_factory=dict)
    workers: dict[tuple[int, int], WorkerReport] = field(default_factory=dict)
    duplicate_shards: int = 0

    @property
    def first_second(self) -> int:
        return min(self.timeline) if self.timeline else 0

    @property
    def last_second(self) -> int:
        return max(self.timeline) if self.timeline else -1


def merge_shards(shards: Iterable[Shard]) -> MergedRun:
    """Totals per endpoint and scenario, and a compact per-second timeline (each second's
    endpoints in one, analysis.shard.per_second), folded in as the shards come: a collector can
    hand them over one by one as it reads them."""
    run = MergedRun()
    seen: set[tuple[int, int, int, bool]] = set()
    for shard in shards:
        identity = (shard.slice_index, shard.worker_index, shard.seq, shard.totals is not None)
        if identity in seen:
            run.duplicate_shards += 1
            continue
        seen.add(identity)
        report = run.workers.setdefault((shard.slice_index, shard.worker_index), WorkerReport())
        report.shards += shard.covers if shard.covers is not None else 1
        report.final = report.final or shard.final
        report.error = report.error or shard.error
        report.interrupted = report.interrupted or shard.interrupted
        if shard.process_exit_code is not None:
            report.process_exit_code = max(report.process_exit_code or 0, shard.process_exit_code)
        if shard.totals is not None:  # a snapshot: totals once, its seconds already compact
            fold_window(run, shard.totals)
            for second, window in shard.windows.items():
                run.timeline.setdefault(second, Window()).merge(window)
            continue
        for second, window in shard.windows.items():
            fold_window(run, window)
            run.timeline.setdefault(second, Window()).merge(per_second(window))
    return run


def fold_window(run: MergedRun, window: Window) -> None:
    """Add a window's endpoints, scenarios and health to the run's totals."""
    for name, stats in window.endpoints.items():
        run.endpoints.setdefault(name, EndpointStats()).merge(stats)
        run.overall.merge(stats)
    for name, scenario in window.scenarios.items():
        run.scenarios.setdefault(name, ScenarioStats()).merge(scenario)
    run.health.merge(window.health)
