"""Live view of a running run, merged incrementally from the shards as they arrive."""
from __future__ import annotations

from dataclasses import dataclass, field

from typing import Any

from analysis.merge import MergedRun
from analysis.shard import Shard
from analysis.stats import EndpointStats, HealthStats, Window
from analysis.thresholds import Threshold
from analysis.verdict import judge_threshold
from runner.plan import RunPlan, phase_at, planned_users_per_second, target_rate_per_second
from runner.units import format_duration


REWORKED_S = 10  # the last seconds redrawn at each snapshot (a late flush can still add to them)


@dataclass
class LiveView:
    plan: RunPlan
    windows: dict[int, Window] = field(default_factory=dict)
    total: EndpointStats = field(default_factory=EndpointStats)
    seen: set[str] = field(default_factory=set)
    users: list[int] = field(default_factory=list)
    endpoints: dict[str, EndpointStats] = field(default_factory=dict)  # totals so far, merged as shards arrive
    health: HealthStats = field(default_factory=HealthStats)
    _rows: dict[int, dict[str, Any]] = field(default_factory=dict)  # each second as the page draws it

    def __post_init__(self) -> None:
        self.users = planned_users_per_second(self.plan)

    def add(self, key: str, shard: Shard) -> None:
        if key in self.seen:
            return
        self.seen.add(key)
        for second, window in shard.windows.items():
            self.windows.setdefault(second, Window()).merge(window)
            self.health.merge(window.health)
            for name, stats in window.endpoints.items():
                self.total.requests += stats.requests
                self.total.errors["all"] = self.total.errors.get("all", 0) + stats.error_count
                self.endpoints.setdefault(name, EndpointStats()).merge(stats)

    def snapshot(self, elapsed_s: float, settled_s: float, thresholds: tuple[Threshold, ...] = (),
                 state: str = "running") -> dict[str, Any]:
        """What the live page draws, from what is merged so far (never re-reading a shard):
        per-second series up to the last complete second, the endpoint table, the thresholds'
        state now, the generator's health and the phases."""
        last = int(elapsed_s - settled_s) - 1
        seconds = [s for s in sorted(self.windows) if 0 <= s <= last]
        rates = target_rate_per_second(self.plan)
        series: dict[str, list[Any]] = {"x": seconds, "requests": [], "p50": [], "p95": [], "p99": [],
                                        "target_rate": [], "users": [], "lag_p99": [], "late": [], "dropped": []}
        classes: dict[str, list[int]] = {}
        for index, second in enumerate(seconds):
            row = self._rows.get(second)
            if row is None or second >= last - REWORKED_S:  # older seconds no longer change: kept as drawn
                row = self._rows[second] = self._row(second)
            series["requests"].append(row["requests"])
            for p in (50, 95, 99):
                series[f"p{p}"].append(row[f"p{p}"])
            series["target_rate"].append(rates[second] if second < len(rates) else 0.0)
            series["users"].append(self.users[second] if second < len(self.users) else 0)
            for key in ("lag_p99", "late", "dropped"):
                series[key].append(row[key])
            for kind, count in row["errors"].items():
                classes.setdefault(kind, [0] * len(seconds))[index] = count
        duration_s = max(1.0, min(elapsed_s, self.plan.duration_s))
        run = MergedRun(overall=self._overall(), endpoints=dict(self.endpoints), timeline=self.windows)
        judged = [judge_threshold(t, run, duration_s) for t in thresholds if t.target is None and t.regression is None]
        return {
            "state": state, "elapsed_s": round(elapsed_s, 1), "duration_s": self.plan.duration_s,
            "phase": phase.name if (phase := phase_at(self.plan, max(0.0, elapsed_s))) else "draining",
            "phases": [{"name": p.name, "start_s": p.offset_s, "end_s": p.offset_s + p.duration_s}
                       for p in self.plan.phases],
            "series": series, "errors_by_class": classes,
            "endpoints": [{"name": name, "requests": e.requests, "errors": e.error_count,
                           "p50_ms": round(e.latency.percentile_us(50) / 1000, 2),
                           "p95_ms": round(e.latency.percentile_us(95) / 1000, 2),
                           "p99_ms": round(e.latency.percentile_us(99) / 1000, 2),
                           "rate": round(e.requests / duration_s, 1),
                           "statuses": dict(e.statuses)} for name, e in sorted(self.endpoints.items())],
            "thresholds": [{"check": o.threshold.label, "severity": o.threshold.severity, "status": o.status,
                            "measured": o.measured_text} for o in judged],
            "health": {"lag_p99_ms": round(self.health.lag.percentile_us(99) / 1000, 2), "late": self.health.late,
                       "dropped": self.health.dropped, "intended": self.health.intended,
                       "cpu_share": round(self.health.cpu_s / self.health.wall_s, 3) if self.health.wall_s else None,
                       "workers": self.plan.workers},
        }

    def _row(self, second: int) -> dict[str, Any]:
        window = self.windows[second]
        merged = EndpointStats()
        for stats in window.endpoints.values():
            merged.merge(stats)
        return {"requests": merged.requests, "errors": dict(merged.errors),
                **{f"p{p}": round(merged.latency.percentile_us(p) / 1000, 3) for p in (50, 95, 99)},
                "lag_p99": round(window.health.lag.percentile_us(99) / 1000, 3), "late": window.health.late,
                "dropped": window.health.dropped}

    def _overall(self) -> EndpointStats:
        overall = EndpointStats()
        for stats in self.endpoints.values():
            overall.merge(stats)
        return overall

    def users_now(self, elapsed_s: float) -> int:
        second = int(elapsed_s)
        return self.users[second] if 0 <= second < len(self.users) else 0

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
            users = self.users_now(elapsed_s)
            iterations = window.health.iterations if window is not None else 0
            load = f"users {users:,}  iterations {iterations:,}/s"
        else:
            load = f"arrivals {arrivals:,}/s (target {target:,.1f}/s)"
        return (f"[{format_duration(int(shown)):>6} / {format_duration(self.plan.duration_s)}] "
                f"{(phase.name if phase else 'draining'):<12} "
                f"{load}  requests {recent.requests:,}/s  "
                f"p95 {recent.latency.percentile_us(95) / 1000:,.1f} ms  "
                f"total {self.total.requests:,}  errors {errors:,} ({share:.2%})")
