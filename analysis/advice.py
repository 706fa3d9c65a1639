"""Advice with every failed target threshold, the way an engineer reads the graphs after a
run: which limit was hit, with the numbers when they are known. Pure."""
from __future__ import annotations

from dataclasses import dataclass

from analysis.target import TargetMetrics
from analysis.verdict import Outcome


@dataclass(frozen=True)
class TargetLimits:
    """What the target's configuration says, when it could be read."""

    reserved_concurrency: dict[str, int]  # function -> reserved concurrent executions
    account_concurrency: int | None = None  # the account's concurrency quota in the region


def _fmt(value: float | None) -> str:
    return "unknown" if value is None else f"{value:,.0f}"


def advise(outcomes: tuple[Outcome, ...], metrics: TargetMetrics | None, limits: TargetLimits,
           client_429: int) -> list[str]:
    """What to look at, for each of the target's failed (or warned) thresholds, from its metrics."""
    if metrics is None:
        return []
    failed = [o.threshold.target for o in outcomes if o.status in ("FAIL", "WARN") and o.threshold.target is not None]
    services = {target.service for target in failed}
    metrics_failed = {target.metric for target in failed}
    advice: list[str] = []
    if "lambda" in services and ({"throttles", "concurrent_executions"} & metrics_failed):
        advice += _lambda_throttles(metrics, limits)
    if "dynamodb" in services:
        advice += _dynamodb_throttles(metrics)
    if "apigateway" in services and ({"5xx", "5xx_rate"} & metrics_failed):
        advice.append(_api_5xx(metrics))
    return advice + _api_throttling(metrics, client_429)


def _api_throttling(metrics: TargetMetrics, client_429: int) -> list[str]:
    """429s the clients got with no Lambda throttling: API Gateway's own limits."""
    if not client_429 or (metrics.total("lambda", "throttles") or 0) or not metrics.total("apigateway", "4xx"):
        return []
    return [f"The clients got {client_429:,} answers 429 while Lambda did not throttle: API Gateway's stage "
            f"or usage-plan throttling limits (rate and burst) were reached."]


def _lambda_throttles(metrics: TargetMetrics, limits: TargetLimits) -> list[str]:
    advice = []
    for function in sorted({q.resource for q in metrics.queries if q.service == "lambda"}):
        throttles = metrics.total("lambda", "throttles", resource=function)
        if not throttles:
            continue
        peak = metrics.peak("lambda", "concurrent_executions", resource=function)
        reserved = limits.reserved_concurrency.get(function)
        if reserved is not None:
            advice.append(f"Lambda {function} was throttled {throttles:,.0f} times at a peak concurrency of "
                          f"{_fmt(peak)}: its reserved concurrency is {reserved:,}; raise it (or remove it) "
                          f"if the function should take this load.")
        else:
            advice.append(f"Lambda {function} was throttled {throttles:,.0f} times at a peak concurrency of "
                          f"{_fmt(peak)} (account-wide peak {_fmt(metrics.peak('account', 'concurrent_executions'))}, "
                          f"account quota {_fmt(limits.account_concurrency)}): check the function's reserved "
                          f"concurrency and the account's concurrency quota (Service Quotas: 'Concurrent executions').")
    return advice


def _dynamodb_throttles(metrics: TargetMetrics) -> list[str]:
    advice = []
    for table in sorted({q.resource for q in metrics.queries if q.service == "dynamodb"}):
        throttled = sum(metrics.total("dynamodb", metric, resource=table) or 0
                        for metric in ("throttled_requests", "read_throttle_events", "write_throttle_events"))
        if throttled:
            advice.append(f"DynamoDB table {table} throttled {throttled:,.0f} requests/events: check its capacity "
                          f"mode (provisioned capacity or on-demand maximum throughput) and hot partitions "
                          f"(one partition key serves at most 3,000 RCU and 1,000 WCU per second).")
    return advice


def _api_5xx(metrics: TargetMetrics) -> str:
    api_5xx = metrics.total("apigateway", "5xx") or 0
    lambda_errors = metrics.total("lambda", "errors") or 0
    if lambda_errors:
        return (f"API Gateway returned {api_5xx:,.0f} 5xx while Lambda reported {lambda_errors:,.0f} errors: "
                f"the function is failing; read its logs for those errors.")
    latency = metrics.peak("apigateway", "integration_latency", "Average")
    return (f"API Gateway returned {api_5xx:,.0f} 5xx with no Lambda errors: look at integration "
            f"timeouts (API Gateway gives up after 29 s; worst average integration latency "
            f"{_fmt(latency)} ms) and at throttled or unreachable integrations.")
