"""Thresholds on the target's own metrics, in the vocabulary of the client ones:
``aws.lambda.throttles == 0``, ``aws.lambda[fn].concurrent_executions.max < 900``,
``aws.dynamodb.throttled_requests == 0``, ``aws.apigateway.5xx_rate < 1%``.

Canonical units: counts, fractions for rates, milliseconds for durations and latencies.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from analysis.target import TargetMetrics

_EXPRESSION = re.compile(
    r"^\s*aws\.(?P<service>[a-z0-9]+)(?:\[(?P<resource>[^\]]+)\])?\.(?P<metric>[a-z0-9_]+)(?:\.(?P<agg>max|avg|p95|sum))?"
    r"\s*(?P<op><=|>=|==|!=|<|>)\s*(?P<value>-?\d+(?:\.\d+)?)\s*(?P<unit>%|ms|s)?\s*$")

# service -> metric -> (kind, default aggregation, allowed aggregations)
METRICS: dict[str, dict[str, tuple[str, str, tuple[str, ...]]]] = {
    "lambda": {"throttles": ("count", "sum", ("sum",)), "errors": ("count", "sum", ("sum",)),
               "invocations": ("count", "sum", ("sum",)), "error_rate": ("rate", "sum", ("sum",)),
               "concurrent_executions": ("count", "max", ("max",)),
               "duration": ("latency", "avg", ("avg", "p95", "max"))},
    "account": {"concurrent_executions": ("count", "max", ("max",)),
                "unreserved_concurrent_executions": ("count", "max", ("max",))},
    "dynamodb": {name: ("count", "sum", ("sum",)) for name in (
        "throttled_requests", "read_throttle_events", "write_throttle_events", "system_errors",
        "consumed_rcu", "consumed_wcu")},
    "apigateway": {"count": ("count", "sum", ("sum",)), "4xx": ("count", "sum", ("sum",)),
                   "5xx": ("count", "sum", ("sum",)), "4xx_rate": ("rate", "sum", ("sum",)),
                   "5xx_rate": ("rate", "sum", ("sum",)), "latency": ("latency", "avg", ("avg", "p95")),
                   "integration_latency": ("latency", "avg", ("avg",))},
}


@dataclass(frozen=True)
class TargetRef:
    service: str
    resource: str | None
    metric: str
    aggregation: str
    kind: str  # count, rate, latency


def parse_target_threshold(text: str) -> tuple[TargetRef, str, float]:
    match = _EXPRESSION.match(text)
    if not match:
        raise ValueError(f"cannot read {text!r} (write e.g. 'aws.lambda.throttles == 0' or "
                         f"'aws.lambda[my-fn].concurrent_executions.max < 900')")
    service, metric = match["service"], match["metric"]
    if service not in METRICS:
        raise ValueError(f"unknown AWS service {service!r} (known: {', '.join(METRICS)})")
    if metric not in METRICS[service]:
        raise ValueError(f"unknown metric aws.{service}.{metric} (known: {', '.join(METRICS[service])})")
    kind, default, allowed = METRICS[service][metric]
    aggregation = match["agg"] or default
    if aggregation not in allowed:
        raise ValueError(f"aws.{service}.{metric} takes {' or '.join('.' + a for a in allowed)}, not .{aggregation}")
    value, unit = float(match["value"]), match["unit"]
    if kind == "rate":
        value = value / 100 if unit == "%" else value
    elif kind == "latency":
        value = value * 1000 if unit == "s" else value
    elif unit is not None:
        raise ValueError(f"aws.{service}.{metric} is a count and takes no unit, got {unit!r}")
    return TargetRef(service, match["resource"], metric, aggregation, kind), match["op"], value


_STAT = {"sum": "Sum", "max": "Maximum", "avg": "Average", "p95": "p95"}


def measure_target(ref: TargetRef, metrics: TargetMetrics | None) -> float | None:
    if metrics is None:
        return None
    if ref.kind == "rate":
        if ref.service == "lambda":
            errors, calls = metrics.total("lambda", "errors", resource=ref.resource), \
                metrics.total("lambda", "invocations", resource=ref.resource)
        else:
            errors = metrics.total("apigateway", ref.metric.split("_")[0], resource=ref.resource)
            calls = metrics.total("apigateway", "count", resource=ref.resource)
        if errors is None or calls is None:
            return None
        return errors / calls if calls else 0.0
    stat = _STAT[ref.aggregation]
    if ref.aggregation == "sum":
        return metrics.total(ref.service, ref.metric, stat, ref.resource)
    if ref.aggregation == "avg":
        return metrics.mean_of(ref.service, ref.metric, ref.resource)
    return metrics.peak(ref.service, ref.metric, stat, ref.resource)  # max, and p95 as its worst period
