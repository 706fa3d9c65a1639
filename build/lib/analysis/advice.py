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
    if metrics is None:
        return []
    failed = [o for o in outcomes if o.status in ("FAIL", "WARN") and o.threshold.target is not None]
    services = {o.threshold.target.service for o in failed if o.threshold.target}
    metrics_failed = {o.threshold.target.metric for o in failed if o.threshold.target}
    advice: list[str] = []
    if "lambda" in services and ({"throttles", "concurrent_executions"} & metrics_failed):
        for function in sorted({q.resource for q in metrics.queries if q.service == "lambda"}):
            throttles = metrics.total("lambda", "throttles", resource=function)
            if not throttles:
                continue
            peak = metrics.peak("lambda", "concurrent_executions", resource=function)
            reserved = limits.reserved_concurrency.get(function)
            account_peak = metrics.peak("account", "concurrent_executions")
            if reserved is not None:
                advice.append(f"Lambda {function} was throttled {throttles:,.0f} times at a peak concurrency of "
                              f"{_fmt(peak)}: its reserved concurrency is {reserved:,}; raise it (or remove it) "
                              f"if the function should take this load.")
            else:
                advice.append(f"Lambda {function} was throttled {throttles:,.0f} times at a peak concurrency of "
                              f"{_fmt(peak)} (account-wide peak {_fmt(account_peak)}, account quota "
                              f"{_fmt(limits.account_concurrency)}): check the function's reserved concurrency "
                              f"and the account's concurrency quota (Service Quotas: 'Concurrent executions').")
    if "dynamodb" in services:
        for table in sorted({q.resource for q in metrics.queries if q.service == "dynamodb"}):
            throttled = (metrics.total("dynamodb", "throttled_requests", resource=table) or 0) + \
                (metrics.total("dynamodb", "read_throttle_events", resource=table) or 0) + \
                (metrics.total("dynamodb", "write_throttle_events", resource=table) or 0)
            if throttled:
                advice.append(f"DynamoDB table {table} throttled {throttled:,.0f} requests/events: check its capacity "
                              f"mode (provisioned capacity or on-demand maximum throughput) and hot partitions "
                              f"(one partition key serves at most 3,000 RCU and 1,000 WCU per second).")
    if "apigateway" in services and ({"5xx", "5xx_rate"} & metrics_failed):
        api_5xx = metrics.total("apigateway", "5xx") or 0
        lambda_errors = metrics.total("lambda", "errors") or 0
        if lambda_errors:
            advice.append(f"API Gateway returned {api_5xx:,.0f} 5xx while Lambda reported {lambda_errors:,.0f} errors: "
                          f"the function is failing; read its logs for those errors.")
        else:
            latency = metrics.peak("apigateway", "integration_latency", "Average")
            advice.append(f"API Gateway returned {api_5xx:,.0f} 5xx with no Lambda errors: look at integration "
                          f"timeouts (API Gateway gives up after 29 s; worst average integration latency "
                          f"{_fmt(latency)} ms) and at throttled or unreachable integrations.")
    if client_429 and not (metrics.total("lambda", "throttles") or 0) and metrics.total("apigateway", "4xx"):
        advice.append(f"The clients got {client_429:,} answers 429 while Lambda did not throttle: API Gateway's stage "
                      f"or usage-plan throttling limits (rate and burst) were reached.")
    return advice
