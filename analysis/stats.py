"""Mergeable counters recorded by the load generator: per endpoint, per scenario, and the
generator's own health, each for one second of a run (a ``Window``).

Every type adds exactly (``merge``) and converts to and from plain JSON-able dicts.
Units: latencies in µs (histograms), bytes, CPU in seconds.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from analysis.histogram import Histogram


def _add_counts(into: dict[str, int], other: dict[str, int]) -> None:
    for key, count in other.items():
        into[key] = into.get(key, 0) + count


def _counts(value: Any, where: str) -> dict[str, int]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, int) and v >= 0 for k, v in value.items()
    ):
        raise ValueError(f"{where}: expected a map of names to counts >= 0")
    return dict(value)


def _texts(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise ValueError(f"{where}: expected a map of names to texts")
    return dict(value)


def _count(data: dict[str, Any], key: str, where: str) -> int:
    value = data.get(key, 0)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{where}.{key}: expected a count >= 0, got {value!r}")
    return value


@dataclass
class EndpointStats:
    """What one endpoint name saw: requests sent, responses, statuses, errors, latency."""

    requests: int = 0
    responses: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    error_statuses: dict[str, int] = field(default_factory=dict)  # statuses counted as errors
    bytes_in: int = 0
    bytes_out: int = 0
    latency: Histogram = field(default_factory=Histogram)  # from the intended start
    latency_uncorrected: Histogram = field(default_factory=Histogram)  # from the actual send

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def merge(self, other: EndpointStats) -> None:
        self.requests += other.requests
        self.responses += other.responses
        _add_counts(self.statuses, other.statuses)
        _add_counts(self.errors, other.errors)
        _add_counts(self.error_statuses, other.error_statuses)
        self.bytes_in += other.bytes_in
        self.bytes_out += other.bytes_out
        self.latency.merge(other.latency)
        self.latency_uncorrected.merge(other.latency_uncorrected)

    def to_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests, "responses": self.responses,
            "statuses": self.statuses, "errors": self.errors,
            "error_statuses": self.error_statuses,
            "bytes_in": self.bytes_in, "bytes_out": self.bytes_out,
            "latency": self.latency.to_list(),
            "latency_uncorrected": self.latency_uncorrected.to_list(),
        }

    @classmethod
    def from_dict(cls, data: Any, where: str) -> EndpointStats:
        if not isinstance(data, dict):
            raise ValueError(f"{where}: expected a map")
        try:
            latency = Histogram.read(data["latency"])
            uncorrected = Histogram.read(data["latency_uncorrected"]) if "latency_uncorrected" in data else Histogram()
        except (KeyError, ValueError) as error:
            raise ValueError(f"{where}.latency: {error}") from None
        return cls(
            requests=_count(data, "requests", where), responses=_count(data, "responses", where),
            statuses=_counts(data.get("statuses", {}), f"{where}.statuses"),
            errors=_counts(data.get("errors", {}), f"{where}.errors"),
            error_statuses=_counts(data.get("error_statuses", {}), f"{where}.error_statuses"),
            bytes_in=_count(data, "bytes_in", where), bytes_out=_count(data, "bytes_out", where),
            latency=latency, latency_uncorrected=uncorrected,
        )


@dataclass
class ScenarioStats:
    launched: int = 0
    completed: int = 0
    failed: int = 0

    def merge(self, other: ScenarioStats) -> None:
        self.launched += other.launched
        self.completed += other.completed
        self.failed += other.failed

    def to_dict(self) -> dict[str, Any]:
        return {"launched": self.launched, "completed": self.completed, "failed": self.failed}

    @classmethod
    def from_dict(cls, data: Any, where: str) -> ScenarioStats:
        if not isinstance(data, dict):
            raise ValueError(f"{where}: expected a map")
        return cls(*(_count(data, key, where) for key in ("launched", "completed", "failed")))


FOLDED_EXAMPLES = 5  # endpoint names folded past limits.max_endpoints kept to show (analysis.endpoints)


def keep_examples(examples: dict[str, int]) -> dict[str, int]:
    """The FOLDED_EXAMPLES names with the most requests (then by name): what a merge of examples keeps."""
    return dict(sorted(examples.items(), key=lambda item: (-item[1], item[0]))[:FOLDED_EXAMPLES])


@dataclass
class HealthStats:
    """The generator's own health: was every arrival sent when it was meant to be?"""

    intended: int = 0  # arrivals the schedule asked for
    dropped: int = 0  # arrivals not sent (in-flight cap reached)
    late: int = 0  # arrivals sent later than the lag tolerance
    cut: int = 0  # arrivals (or closed-model users) cut: the worker had to stop before its planned end
    skipped_late_start: int = 0  # of the dropped: overdue by more than the lag tolerance when the worker started
    shed: int = 0  # of the dropped: the worker could not start them soon enough after they were due (saturated)
    iterations: int = 0  # closed model: scenario iterations users started (not arrivals)
    late_steps: int = 0  # steps after a think that started later than the lag tolerance past their due time
    pool_waits: int = 0  # requests that waited for one of the engine's connections (limits.max_connections)
    pool_waits_late: int = 0  # of those, waits longer than the lag tolerance: the generator's limit, not the target
    pool_wait: Histogram = field(default_factory=Histogram)  # those waits, µs
    # requests sent (after any wait for a connection) more than the lag tolerance after they were due: a late
    # arrival's, and an on-time one's that waited for a connection, each counted once
    sent_late: int = 0
    # requests that waited their whole timeout for a connection: never sent, so in no endpoint's counts
    not_sent: int = 0
    refused_hosts: dict[str, int] = field(default_factory=dict)  # requests not sent: host outside the allowed list
    # a locustfile's tasks: exceptions they raised ("Type: message" -> count), as Locust's Exceptions tab counts them
    exceptions: dict[str, int] = field(default_factory=dict)
    tracebacks: dict[str, str] = field(default_factory=dict)  # each exception message's first traceback
    lag: Histogram = field(default_factory=Histogram)  # schedule lag, µs
    # endpoint names past limits.max_endpoints, folded into one row: a few of them, with their requests
    folded_examples: dict[str, int] = field(default_factory=dict)
    cpu_s: float = 0.0  # CPU used by the worker process
    wall_s: float = 0.0  # wall time those CPU seconds were measured over

    def merge(self, other: HealthStats) -> None:
        self.intended += other.intended
        self.dropped += other.dropped
        self.late += other.late
        self.cut += other.cut
        self.skipped_late_start += other.skipped_late_start
        self.shed += other.shed
        self.iterations += other.iterations
        self.late_steps += other.late_steps
        self.pool_waits += other.pool_waits
        self.pool_waits_late += other.pool_waits_late
        self.pool_wait.merge(other.pool_wait)
        self.sent_late += other.sent_late
        self.not_sent += other.not_sent
        for host, count in other.refused_hosts.items():
            self.refused_hosts[host] = self.refused_hosts.get(host, 0) + count
        for message, count in other.exceptions.items():
            self.exceptions[message] = self.exceptions.get(message, 0) + count
        for message, text in other.tracebacks.items():
            self.tracebacks.setdefault(message, text)
        if other.folded_examples:
            merged = dict(self.folded_examples)
            for name, count in other.folded_examples.items():
                merged[name] = merged.get(name, 0) + count
            self.folded_examples = keep_examples(merged)
        self.lag.merge(other.lag)
        self.cpu_s += other.cpu_s
        self.wall_s += other.wall_s

    def to_dict(self) -> dict[str, Any]:
        return {
            "intended": self.intended, "dropped": self.dropped, "late": self.late, "cut": self.cut,
            "skipped_late_start": self.skipped_late_start, "shed": self.shed, "iterations": self.iterations,
            "late_steps": self.late_steps, "pool_waits": self.pool_waits, "pool_waits_late": self.pool_waits_late,
            "pool_wait": self.pool_wait.to_list(), "refused_hosts": dict(self.refused_hosts),
            **({"not_sent": self.not_sent} if self.not_sent else {}),
            **({"sent_late": self.sent_late} if self.sent_late else {}),
            **({"exceptions": dict(self.exceptions)} if self.exceptions else {}),
            **({"tracebacks": dict(self.tracebacks)} if self.tracebacks else {}),
            **({"folded_examples": dict(self.folded_examples)} if self.folded_examples else {}),
            "lag": self.lag.to_list(),
            "cpu_s": round(self.cpu_s, 6), "wall_s": round(self.wall_s, 6),
        }

    @classmethod
    def from_dict(cls, data: Any, where: str) -> HealthStats:
        if not isinstance(data, dict):
            raise ValueError(f"{where}: expected a map")
        try:
            lag = Histogram.read(data["lag"]) if "lag" in data else Histogram()
            pool_wait = Histogram.read(data["pool_wait"]) if "pool_wait" in data else Histogram()
            cpu_s, wall_s = float(data.get("cpu_s", 0.0)), float(data.get("wall_s", 0.0))
        except (TypeError, ValueError) as error:
            raise ValueError(f"{where}: {error}") from None
        return cls(
            intended=_count(data, "intended", where), dropped=_count(data, "dropped", where),
            late=_count(data, "late", where), cut=_count(data, "cut", where),
            skipped_late_start=_count(data, "skipped_late_start", where), shed=_count(data, "shed", where),
            iterations=_count(data, "iterations", where), late_steps=_count(data, "late_steps", where),
            pool_waits=_count(data, "pool_waits", where), pool_waits_late=_count(data, "pool_waits_late", where),
            pool_wait=pool_wait, not_sent=_count(data, "not_sent", where), sent_late=_count(data, "sent_late", where),
            refused_hosts=_counts(data.get("refused_hosts", {}), f"{where}.refused_hosts"),
            exceptions=_counts(data.get("exceptions", {}), f"{where}.exceptions"),
            tracebacks=_texts(data.get("tracebacks", {}), f"{where}.tracebacks"),
            folded_examples=_counts(data.get("folded_examples", {}), f"{where}.folded_examples"),
            lag=lag, cpu_s=cpu_s, wall_s=wall_s,
        )


@dataclass
class Window:
    """Everything recorded in one second of a run (second 0 starts at the plan's start_at)."""

    endpoints: dict[str, EndpointStats] = field(default_factory=dict)
    scenarios: dict[str, ScenarioStats] = field(default_factory=dict)
    health: HealthStats = field(default_factory=HealthStats)

    def endpoint(self, name: str) -> EndpointStats:
        stats = self.endpoints.get(name)
        if stats is None:
            stats = self.endpoints[name] = EndpointStats()
        return stats

    def scenario(self, name: str) -> ScenarioStats:
        stats = self.scenarios.get(name)
        if stats is None:
            stats = self.scenarios[name] = ScenarioStats()
        return stats

    def merge(self, other: Window) -> None:
        for name, stats in other.endpoints.items():
            self.endpoint(name).merge(stats)
        for name, scenario in other.scenarios.items():
            self.scenario(name).merge(scenario)
        self.health.merge(other.health)

    def to_dict(self) -> dict[str, Any]:
        return {
            "endpoints": {name: s.to_dict() for name, s in self.endpoints.items()},
            "scenarios": {name: s.to_dict() for name, s in self.scenarios.items()},
            "health": self.health.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Any, where: str) -> Window:
        if not isinstance(data, dict):
            raise ValueError(f"{where}: expected a map")
        endpoints, scenarios = data.get("endpoints", {}), data.get("scenarios", {})
        if not isinstance(endpoints, dict) or not isinstance(scenarios, dict):
            raise ValueError(f"{where}: endpoints and scenarios must be maps")
        return cls(
            endpoints={str(k): EndpointStats.from_dict(v, f"{where}.endpoints[{k}]") for k, v in endpoints.items()},
            scenarios={str(k): ScenarioStats.from_dict(v, f"{where}.scenarios[{k}]") for k, v in scenarios.items()},
            health=HealthStats.from_dict(data.get("health", {}), f"{where}.health"),
        )
