"""Live view of a running run, merged incrementally from the shards as they arrive."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from analysis.merge import MergedRun
from analysis.shard import Shard, delta_key_parts
from analysis.stats import EndpointStats, HealthStats, Window
from analysis.thresholds import Threshold
from analysis.verdict import judge_threshold
from runner.plan import RunPlan, phase_at, planned_users_per_second, target_rate_per_second
from runner.store import Store, read_shard, shard_keys, shard_keys_since
from runner.units import format_duration

REWORKED_S = 10  # the last seconds redrawn at each snapshot (a late flush can still add to them)


@dataclass
class LiveView:
    plan: RunPlan
    windows: dict[int, Window] = field(default_factory=dict)
    total: EndpointStats = field(default_factory=EndpointStats)
    seen: set[str] = field(default_factory=set)
    users: list[int] = field(default_factory=list)  # the plan's, per second (computed once: a long run's are long)
    rates: list[float] = field(default_factory=list)
    endpoints: dict[str, EndpointStats] = field(default_factory=dict)  # totals so far, merged as shards arrive
    health: HealthStats = field(default_factory=HealthStats)
    _rows: dict[int, dict[str, Any]] = field(default_factory=dict)  # each second as the page draws it
    _last_seq: dict[int, int] = field(default_factory=dict)  # each worker's newest flush read (slice 0)
    _sliced: bool = False  # a shard of another slice was seen: no cursor (a local run has one slice)

    def __post_init__(self) -> None:
        self.users = planned_users_per_second(self.plan)
        self.rates = target_rate_per_second(self.plan)

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

    def read_new(self, store: Store, run_id: str) -> None:
        """Merge the run's shards not merged yet (an unreadable one is skipped: collect names it).
        Lists from a cursor near the slowest worker's newest flush, not every shard of the run so
        far (a long run's listing would cost more at every read)."""
        cursor = self._cursor()
        keys = shard_keys_since(store, run_id, 0, range(self.plan.workers), cursor) if cursor > 0 else \
            shard_keys(store, run_id)
        for key in keys:
            if key not in self.seen:
                try:
                    shard = read_shard(store, key)
                except ValueError:
                    self.seen.add(key)
                    continue
                self.add(key, shard)
                parts = delta_key_parts(key)
                if parts is None or parts[0] != 0:
                    self._sliced = True
                else:
                    self._last_seq[parts[2]] = max(self._last_seq.get(parts[2], -1), parts[1])

    def _cursor(self) -> int:
        """A worker's flushes come in increasing sequence numbers; one before the slowest worker's
        newest read: a flush still being written when its worker's final shard was (at a worker's end
        they can land out of order) is not passed over."""
        if self._sliced or len(self._last_seq) < self.plan.workers:
            return 0
        return max(0, min(self._last_seq.values()) - 1)

    def snapshot(self, elapsed_s: float, settled_s: float, thresholds: tuple[Threshold, ...] = (),
                 state: str = "running") -> dict[str, Any]:
        """What the live page draws, from what is merged so far (never re-reading a shard):
        per-second series up to the last complete second, the endpoint table, the thresholds'
        state now, the generator's health and the phases."""
        last = int(elapsed_s - settled_s) - 1
        for second in self.windows:
            if 0 <= second <= last and (second not in self._rows or second >= last - REWORKED_S):
                self._rows[second] = window_row(self.windows[second])  # older seconds no longer change
        duration_s = max(1.0, min(elapsed_s, self.plan.duration_s))
        run = MergedRun(overall=self._overall(), endpoints=dict(self.endpoints), timeline=self.windows)
        rows = {s: row for s, row in self._rows.items() if s <= last}
        return draw(self.plan, self.rates, self.users, rows, self.endpoints, self.health,
                    judge_live(thresholds, run, duration_s), elapsed_s, state)

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
        target = self.rates[second] if 0 <= second < len(self.rates) else 0.0
        phase = phase_at(self.plan, max(0.0, elapsed_s))
        errors = self.total.error_count
        share = errors / self.total.requests if self.total.requests else 0.0
        shown = min(max(elapsed_s, 0.0), self.plan.duration_s)
        if phase is not None and phase.kind == "users":  # closed model: users and their iterations, not arrivals
            users = self.users_now(elapsed_s)
            iterations = window.health.iterations if window is not None else 0
            # a locustfile's users run Locust's own loop: no iterations of ours to count
            load = f"users {users:,}" + (f"  iterations {iterations:,}/s" if iterations else "")
        else:
            load = f"arrivals {arrivals:,}/s (target {target:,.1f}/s)"
        return (f"[{format_duration(int(shown)):>6} / {format_duration(self.plan.duration_s)}] "
                f"{(phase.name if phase else 'draining'):<12} "
                f"{load}  requests {recent.requests:,}/s  "
                f"p95 {recent.latency.percentile_us(95) / 1000:,.1f} ms  "
                f"total {self.total.requests:,}  errors {errors:,} ({share:.2%})")


def window_row(window: Window) -> dict[str, Any]:
    """One second as the page draws it: requests, errors by class, p50/p95/p99 and the
    generator's lag, late and dropped arrivals."""
    merged = EndpointStats()
    for stats in window.endpoints.values():
        merged.merge(stats)
    return {"requests": merged.requests, "errors": dict(merged.errors),
            **{f"p{p}": round(merged.latency.percentile_us(p) / 1000, 3) for p in (50, 95, 99)},
            "lag_p99": round(window.health.lag.percentile_us(99) / 1000, 3), "late": window.health.late,
            "dropped": window.health.dropped}


def judge_live(thresholds: tuple[Threshold, ...], run: MergedRun, duration_s: float) -> list[dict[str, Any]]:
    """The thresholds the load alone decides, judged on what is merged so far (the target's
    metrics and the baseline are judged when the run ends)."""
    judged = [judge_threshold(t, run, duration_s) for t in thresholds if t.target is None and t.regression is None]
    return [{"check": o.threshold.label, "severity": o.threshold.severity, "status": o.status,
             "measured": o.measured_text} for o in judged]


def draw(plan: RunPlan, rates: list[float], users: list[int], rows: dict[int, dict[str, Any]],
         endpoints: dict[str, EndpointStats], health: HealthStats, thresholds: list[dict[str, Any]], elapsed_s: float,
         state: str) -> dict[str, Any]:
    """The page's document: ``rows`` (second -> window_row) drawn as series beside the plan's
    ``rates`` and ``users`` per second, the endpoint table from the totals, the thresholds as
    judged, the health."""
    seconds = sorted(s for s in rows if s >= 0)
    series: dict[str, list[Any]] = {"x": seconds, "requests": [], "p50": [], "p95": [], "p99": [],
                                    "target_rate": [], "users": [], "lag_p99": [], "late": [], "dropped": []}
    classes: dict[str, list[int]] = {}
    for index, second in enumerate(seconds):
        row = rows[second]
        for key in ("requests", "p50", "p95", "p99", "lag_p99", "late", "dropped"):
            series[key].append(row[key])
        series["target_rate"].append(rates[second] if second < len(rates) else 0.0)
        series["users"].append(users[second] if second < len(users) else 0)
        for kind, count in row["errors"].items():
            classes.setdefault(kind, [0] * len(seconds))[index] = count
    duration_s = max(1.0, min(elapsed_s, plan.duration_s))
    return {
        "state": state, "elapsed_s": round(elapsed_s, 1), "duration_s": plan.duration_s,
        "phase": phase.name if (phase := phase_at(plan, max(0.0, elapsed_s))) else "draining",
        "phases": [{"name": p.name, "start_s": p.offset_s, "end_s": p.offset_s + p.duration_s} for p in plan.phases],
        "series": series, "errors_by_class": classes,
        "endpoints": [{"name": name, "requests": e.requests, "errors": e.error_count,
                       "p50_ms": round(e.latency.percentile_us(50) / 1000, 2),
                       "p95_ms": round(e.latency.percentile_us(95) / 1000, 2),
                       "p99_ms": round(e.latency.percentile_us(99) / 1000, 2),
                       "rate": round(e.requests / duration_s, 1),
                       "statuses": dict(e.statuses)} for name, e in sorted(endpoints.items())],
        "thresholds": thresholds,
        "health": {"lag_p99_ms": round(health.lag.percentile_us(99) / 1000, 2), "late": health.late,
                   "dropped": health.dropped, "intended": health.intended,
                   "cpu_share": round(health.cpu_s / health.wall_s, 3) if health.wall_s else None,
                   "workers": plan.workers},
    }


def view_document(recent: dict[int, Window], complete_second: int, endpoints: dict[str, EndpointStats],
                  health: HealthStats, thresholds: tuple[Threshold, ...], elapsed_s: float) -> dict[str, Any]:
    """What the AWS monitor puts in live.json for a watcher's page (``squall watch --ui``): the
    recent complete seconds as rows, the run's totals per endpoint and its health, and the
    thresholds judged on them. A phase's threshold needs the whole timeline, which the monitor
    does not keep: it is judged when the run ends."""
    overall = EndpointStats()
    for stats in endpoints.values():
        overall.merge(stats)
    run = MergedRun(overall=overall, endpoints=dict(endpoints), timeline=recent)
    judged = judge_live(tuple(t for t in thresholds if t.window_s is None), run, max(1.0, elapsed_s))
    judged += [{"check": t.label, "severity": t.severity, "status": "AT_END", "measured": "judged when the run ends"}
               for t in thresholds if t.window_s is not None]
    return {"rows": {str(s): window_row(w) for s, w in sorted(recent.items()) if s <= complete_second},
            "endpoints": {name: stats.to_dict() for name, stats in sorted(endpoints.items())},
            "health": health.to_dict(), "thresholds": judged}


@dataclass
class StoredView:
    """A watcher's live view, rebuilt from the documents the monitor writes: each second's row
    as last written (a later document may complete a second), the totals as of the newest."""
    plan: RunPlan
    rows: dict[int, dict[str, Any]] = field(default_factory=dict)
    endpoints: dict[str, EndpointStats] = field(default_factory=dict)
    health: HealthStats = field(default_factory=HealthStats)
    thresholds: list[dict[str, Any]] = field(default_factory=list)
    users: list[int] = field(default_factory=list)
    rates: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.users = planned_users_per_second(self.plan)
        self.rates = target_rate_per_second(self.plan)

    def update(self, view: dict[str, Any], where: str) -> None:
        self.rows.update({int(second): row for second, row in view["rows"].items()})
        self.endpoints = {name: EndpointStats.from_dict(stats, f"{where}: endpoints[{name}]")
                          for name, stats in view["endpoints"].items()}
        self.health = HealthStats.from_dict(view["health"], f"{where}: health")
        self.thresholds = list(view["thresholds"])

    def snapshot(self, elapsed_s: float, state: str) -> dict[str, Any]:
        return draw(self.plan, self.rates, self.users, self.rows, self.endpoints, self.health, self.thresholds,
                    elapsed_s, state)

    def users_now(self, elapsed_s: float) -> int:
        second = int(elapsed_s)
        return self.users[second] if 0 <= second < len(self.users) else 0
