"""Regression thresholds against a baseline run (`p95 regression < 10%`,
`error_rate regression < 0.5pp`, `rps regression < 5%`) and run-to-run comparison. Pure: the
baseline is its result document; its histograms are decoded, never its percentiles averaged.

"Regression" is how much worse the run is than the baseline: for latency the relative increase,
for the error rate the increase in percentage points, for rps the relative decrease.
"""
from __future__ import annotations

import re
from typing import Any

from analysis.histogram import Histogram
from analysis.stats import EndpointStats
from analysis.thresholds import RegressionRef, Threshold, error_rate, measure, parse_threshold

_EXPRESSION = re.compile(r"^\s*(?P<metric>[a-z_]+|p\d+(?:\.\d+)?)\s+regression\s*(?P<op><=|<)\s*"
                         r"(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>%|pp)\s*$")


def parse_regression(text: str) -> tuple[RegressionRef, str, float]:
    match = _EXPRESSION.match(text)
    if not match:
        raise ValueError(f"cannot read {text!r} (write e.g. 'p95 regression < 10%' or 'error_rate regression < 0.5pp')")
    name = match["metric"]
    probe_unit = "%" if name == "error_rate" else "" if name in ("rps", "requests", "errors") else "ms"
    metric, percentile, _, _ = parse_threshold(f"{name} < 1{probe_unit}")
    unit = match["unit"]
    if metric == "error_rate" and unit != "pp":
        raise ValueError("an error_rate regression is measured in percentage points, e.g. 'error_rate regression < 0.5pp'")
    if metric != "error_rate" and unit != "%":
        raise ValueError(f"a {match['metric']} regression is relative, e.g. '{match['metric']} regression < 10%'")
    if metric not in ("latency", "error_rate", "rps"):
        raise ValueError(f"no regression is defined for {match['metric']}")
    return RegressionRef(metric, percentile, unit), match["op"], float(match["value"]) / 100


def stats_from_summary(summary: dict[str, Any]) -> EndpointStats:
    """An endpoint summary of a result document back into mergeable stats (counts and histograms)."""
    return EndpointStats(requests=summary["requests"], responses=summary["responses"],
                         statuses=dict(summary["statuses"]), errors=dict(summary["errors_by_class"]),
                         error_statuses=dict(summary.get("error_statuses", {})), bytes_in=summary["bytes_in"],
                         bytes_out=summary["bytes_out"], latency=Histogram.decode(summary["histogram"]),
                         latency_uncorrected=Histogram.decode(summary["histogram_uncorrected"]))


def _value(ref: RegressionRef, stats: EndpointStats, duration_s: float, excluded: tuple[int, ...]) -> float | None:
    if ref.metric == "error_rate":
        return error_rate(stats, excluded) if stats.requests else None
    probe = Threshold("", ref.metric, ref.percentile, "<", 0.0)
    return measure(probe, stats, duration_s)


def regression_values(threshold: Threshold, current: EndpointStats | None, duration_s: float,
                      baseline: dict[str, Any] | None) -> tuple[float, float] | None:
    """(this run's value, the baseline run's value) of a regression threshold's metric; None without
    a baseline or data. Latency in ms, error rate as a fraction, rps per second."""
    ref = threshold.regression
    if ref is None or baseline is None or current is None:
        return None
    summary = baseline["endpoints"].get(threshold.endpoint) if threshold.endpoint else baseline["overall"]
    if summary is None:
        return None
    now = _value(ref, current, duration_s, threshold.exclude_statuses)
    before = _value(ref, stats_from_summary(summary), float(baseline["duration_s"]), threshold.exclude_statuses)
    return None if now is None or before is None else (now, before)


def measure_regression(threshold: Threshold, current: EndpointStats | None, duration_s: float,
                       baseline: dict[str, Any] | None) -> float | None:
    """How much worse than the baseline (a fraction); None without a baseline or data."""
    values = regression_values(threshold, current, duration_s, baseline)
    ref = threshold.regression
    if values is None or ref is None:
        return None
    now, before = values
    if ref.metric == "error_rate":
        return now - before
    if before == 0:
        return 0.0 if now == 0 else None
    return (before - now) / before if ref.metric == "rps" else (now - before) / before


def compared_text(threshold: Threshold, values: tuple[float, float], baseline_run_id: str) -> str:
    """'80.1 ms vs 71.5 ms in run X': both values a regression was measured from, the baseline named."""
    ref = threshold.regression
    assert ref is not None

    def shown(value: float) -> str:
        if ref.metric == "error_rate":
            return f"{value:.2%}"
        if ref.metric == "rps":
            return f"{value:,.1f}/s"
        return f"{value:,.1f} ms"
    return f"{shown(values[0])} vs {shown(values[1])} in {baseline_run_id}"


def _read(metric: str, summary: dict[str, Any], duration_s: float) -> float:
    if metric == "requests":
        return float(summary["requests"])
    if metric == "rps":
        return summary["requests"] / duration_s if duration_s else 0.0
    if metric == "error_rate %":
        return float(summary["error_rate"]) * 100
    return float(summary["latency"][metric.replace(" ms", "_ms")])


def compare(a: dict[str, Any], b: dict[str, Any]) -> list[tuple[str, str, float | None, float | None, str]]:
    """Rows of (scope, metric, value in A, value in B, change) for two result documents."""
    rows: list[tuple[str, str, float | None, float | None, str]] = []

    def add(scope: str, sa: dict[str, Any] | None, sb: dict[str, Any] | None, da: float, db: float) -> None:
        for metric in ("requests", "rps", "error_rate %", "p50 ms", "p95 ms", "p99 ms", "max ms"):
            va = _read(metric, sa, da) if sa else None
            vb = _read(metric, sb, db) if sb else None
            if va is None or vb is None:
                change = "only in " + ("B" if va is None else "A")
            elif metric == "error_rate %":
                change = f"{vb - va:+.2f}pp"
            else:
                change = f"{(vb - va) / va:+.1%}" if va else ("0" if vb == 0 else "new")
            rows.append((scope, metric, va, vb, change))
    add("overall", a["overall"], b["overall"], a["duration_s"], b["duration_s"])
    for name in sorted(set(a["endpoints"]) | set(b["endpoints"])):
        add(name, a["endpoints"].get(name), b["endpoints"].get(name), a["duration_s"], b["duration_s"])
    return rows
