"""Threshold expressions (`p95 < 5000ms`, `error_rate < 1%`, `rps >= 90`): parse and measure.

Canonical units: latency in ms, error_rate as a fraction (0.01 = 1 %), rps in requests
per second, counts as counts.
"""
from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

from analysis.stats import EndpointStats
from analysis.target_thresholds import TargetRef

_EXPRESSION = re.compile(
    r"^\s*(?P<metric>[a-z_]+|p\d+(?:\.\d+)?)\s*(?P<op><=|>=|==|!=|<|>)\s*"
    r"(?P<value>-?\d+(?:\.\d+)?)\s*(?P<unit>ms|s|us|µs|%|/s|/min|/m)?\s*$"
)
OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
    "==": operator.eq, "!=": operator.ne,
}
LATENCY_NAMES = {"min": 0.0, "median": 50.0, "max": 100.0}
KNOWN_METRICS = ("error_rate", "rps", "requests", "errors", "exceptions", "mean", "avg", "min", "median", "max",
                 "p50", "p90", "p95", "p99", "p99.9")
_LATENCY_UNITS_MS = {"ms": 1.0, "s": 1000.0, "us": 0.001, "µs": 0.001}


@dataclass(frozen=True)
class RegressionRef:
    """What a regression threshold compares with the baseline (parsed in analysis.regression)."""
    metric: str  # latency, error_rate, rps
    percentile: float | None
    unit: str  # "%" (relative) or "pp" (percentage points)


@dataclass(frozen=True)
class Threshold:
    text: str
    metric: str  # "latency", "error_rate", "rps", "requests", "errors", "exceptions" (a locustfile's tasks raised)
    percentile: float | None  # for latency; None means the mean
    op: str
    limit: float  # canonical unit
    endpoint: str | None = None
    severity: str = "must"  # "must" fails the run, "should" warns
    exclude_statuses: tuple[int, ...] = ()
    target: TargetRef | None = None  # for metric "aws": which of the target's metrics
    regression: RegressionRef | None = None  # for metric "regression": against the baseline run
    phase: str | None = None  # judged over this phase's seconds only
    window_s: tuple[float, float] | None = None  # the phase's (start, end), seconds from the run's start
    region: str | None = None  # in a run across regions: judged on that region's requests alone

    @property
    def label(self) -> str:
        excluded = f" (excluding {', '.join(map(str, self.exclude_statuses))})" if self.exclude_statuses else ""
        during = f" during {self.phase}" if self.phase else ""
        where = f" in {self.region}" if self.region else ""
        return (f"{self.text} [{self.endpoint}]" if self.endpoint else self.text) + where + during + excluded


def parse_threshold(text: str) -> tuple[str, float | None, str, float]:
    """(metric, percentile, op, limit in canonical unit); ValueError with a hint if bad."""
    match = _EXPRESSION.match(text)
    if not match:
        raise ValueError(f"cannot read {text!r} (write it as 'METRIC OP VALUE', e.g. 'p95 < 500ms')")
    name, op, unit = match["metric"], match["op"], match["unit"]
    value = float(match["value"])
    if value < 0:
        raise ValueError(f"{text.strip()!r}: {name} is never negative (write a limit >= 0)")
    if name == "error_rate":
        return "error_rate", None, op, _error_rate_limit(text, match["value"], value, unit)
    if name == "rps":
        if unit not in (None, "/s", "/min", "/m"):
            raise ValueError(f"rps takes a rate such as 90/s or 6000/min, not {unit!r}")
        return "rps", None, op, value / 60 if unit in ("/min", "/m") else value
    if name in ("requests", "errors", "exceptions"):
        if unit is not None:
            raise ValueError(f"{name} is a count and takes no unit, got {unit!r}")
        return name, None, op, value
    percentile = _percentile(name)
    if unit is None:
        raise ValueError(f"{text.strip()!r}: a latency needs its unit: {match['value']}ms or {match['value']}s?")
    if unit not in _LATENCY_UNITS_MS:
        raise ValueError(f"latency takes ms, s or us, not {unit!r}")
    return "latency", percentile, op, value * _LATENCY_UNITS_MS[unit]


def _error_rate_limit(text: str, written: str, value: float, unit: str | None) -> float:
    """An error rate's limit as a fraction: written as a percentage, 0% to 100%."""
    if unit is None:
        raise ValueError(f"{text.strip()!r}: error_rate needs its unit: {written}% or {value * 100:g}% (a fraction "
                         f"of {written})?")
    if unit != "%":
        raise ValueError(f"error_rate takes a percentage such as 1%, not {unit!r}")
    if value > 100:
        raise ValueError(f"{text.strip()!r}: an error rate is between 0% and 100%")
    return value / 100


def _percentile(name: str) -> float | None:
    """A latency metric's percentile (None: the mean): p95, p99.9, median, max…"""
    if name in ("mean", "avg"):
        return None
    if name in LATENCY_NAMES:
        return LATENCY_NAMES[name]
    if not name.startswith("p"):
        raise ValueError(f"unknown metric {name!r} (known: {', '.join(KNOWN_METRICS)})")
    percentile = float(name[1:])
    if not 0 < percentile <= 100:
        raise ValueError(f"percentile {name} must be between p0 and p100")
    return percentile


def excluded_errors(stats: EndpointStats, exclude_statuses: tuple[int, ...]) -> int:
    """Errors whose status the threshold excludes (e.g. expected 429s)."""
    return sum(stats.error_statuses.get(str(code), 0) for code in exclude_statuses)


def error_rate(stats: EndpointStats, exclude_statuses: tuple[int, ...] = ()) -> float:
    return (stats.error_count - excluded_errors(stats, exclude_statuses)) / stats.requests if stats.requests else 0.0


def measure(threshold: Threshold, stats: EndpointStats, duration_s: float) -> float | None:
    """The measured value in the threshold's canonical unit; None when nothing was measured."""
    if threshold.metric == "requests":
        return float(stats.requests)
    if threshold.metric == "errors":
        return float(stats.error_count - excluded_errors(stats, threshold.exclude_statuses))
    if threshold.metric == "rps":
        return stats.requests / duration_s if duration_s > 0 else None
    if stats.requests == 0:
        return None
    if threshold.metric == "error_rate":
        return error_rate(stats, threshold.exclude_statuses)
    if stats.latency.total_count == 0:
        return None
    if threshold.percentile is None:
        return stats.latency.mean_us() / 1000
    return stats.latency.percentile_us(threshold.percentile) / 1000


def format_measured(metric: str, value: float | None, kind: str | None = None) -> str:
    if value is None:
        return "no data"
    if metric == "aws":
        metric = {"rate": "error_rate", "latency": "latency"}.get(kind or "", "count")
    if metric == "regression":
        return f"{value * 100:+.2f}" + ("pp" if kind == "pp" else " %")
    if metric == "latency":
        return f"{value:,.0f} ms" if value >= 100 else f"{value:.2f} ms"
    if metric == "error_rate":
        return f"{value * 100:.2f} %"
    if metric == "rps":
        return f"{value:,.1f}/s"
    return f"{value:,.0f}"
