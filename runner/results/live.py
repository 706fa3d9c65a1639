"""Live view of a running run, merged incrementally from the shards as they arrive."""
from __future__ import annotations

from dataclasses import dataclass, field

from analysis.shard import Shard
from analysis.stats import EndpointStats, Window
from runner.plan import RunPlan, phase_at, planned_users_per_second, target_rate_per_second
from runner.units import format_duration


@dataclass
class LiveView:
    plan: RunPlan
    windows: dict[int, Window] = field(default_factory=dict)
    total: EndpointStats = field(default_factory=EndpointStats)
    seen: set[str] = field(default_factory=set)
    users: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.users = planned_users_per_second(self.plan)

    def add(self, key: str, shard: Shard) -> None:
        if key in self.seen:
            return
        self.seen.add(key)
        for second, window in shard.windows.items():
            self.windows.setdefault(second, Window()).merge(window)
            for stats in window.endpoints.values():
                self.total.requests += stats.requests
                self.total.errors["all"] = self.total.errors.get("all", 0) + stats.error_count

    def line(self, elapsed_s: float, settled_s: float) -> str:
        """One progress line; ``settled_s``: how far back data is complete (the flush interval)."""
        second = int(elapsed_s - settled_s) - 1
        window = self.windows.get(second)
        recent = EndpointStats()
        if window is not None:
            for stats in window.endpoints.values():
                recent.merge(stats)
        arrivals = window.health.intended - window.health.dropped if window is not None else 0
        rates = target_rate_per_second(self.plan)
        target = rates[second] if 0 <= second < len(rates) else 0.0
        phase = phase_at(self.plan, max(0.0, elapsed_s))
        errors = self.total.error_count
        share = errors / self.total.requests if self.total.requests else 0.0
        shown = min(max(elapsed_s, 0.0), self.plan.duration_s)
        if phase is not None and phase.kind == "users":  # closed model: users and their iterations, not arrivals
            users = self.users[second] if 0 <= second < len(self.users) else 0
            iterations = window.health.iterations if window is not None else 0
            load = f"users {users:,}  iterations {iterations:,}/s"
        else:
            load = f"arrivals {arrivals:,}/s (target {target:,.1f}/s)"
        return (f"[{format_duration(int(shown)):>6} / {format_duration(self.plan.duration_s)}] "
                f"{(phase.name if phase else 'draining'):<12} "
                f"{load}  requests {recent.requests:,}/s  "
                f"p95 {recent.latency.percentile_us(95) / 1000:,.1f} ms  "
                f"total {self.total.requests:,}  errors {errors:,} ({share:.2%})")
