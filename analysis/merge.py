"""Merge shards into one run result: overall, per endpoint, per scenario and per second.

Histograms are merged and percentiles read afterwards; percentiles are never averaged.
A shard delivered twice (same slice, worker and sequence number) counts once. Give a worker's
snapshot or its delta shards, never both (runner.results.collect chooses).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from analysis.shard import Shard
from analysis.stats import EndpointStats, HealthStats, ScenarioStats, Window


@dataclass
class WorkerReport:
    shards: int = 0
    final: bool = False
    error: str | None = None


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
    run = MergedRun()
    seen: set[tuple[int, int, int]] = set()
    for shard in shards:
        identity = (shard.slice_index, shard.worker_index, shard.seq)
        if identity in seen:
            run.duplicate_shards += 1
            continue
        seen.add(identity)
        report = run.workers.setdefault((shard.slice_index, shard.worker_index), WorkerReport())
        report.shards += shard.covers if shard.covers is not None else 1
        report.final = report.final or shard.final
        report.error = report.error or shard.error
        for second, window in shard.windows.items():
            run.timeline.setdefault(second, Window()).merge(window)
    for window in run.timeline.values():
        for name, stats in window.endpoints.items():
            run.endpoints.setdefault(name, EndpointStats()).merge(stats)
            run.overall.merge(stats)
        for name, scenario in window.scenarios.items():
            run.scenarios.setdefault(name, ScenarioStats()).merge(scenario)
        run.health.merge(window.health)
    return run
