"""The demo target publishes the CloudWatch metrics AWS would publish for it, as if it were a
Lambda function behind an API Gateway REST API: its concurrency, its 429s as Lambda throttles,
its 5xx as Lambda errors, its handling time as Duration, and every answer as API Gateway
Count / 4XXError / 5XXError / Latency. Used with a CloudWatch emulator; it costs money on AWS."""
from __future__ import annotations

import asyncio
import datetime as dt
import functools
from collections import Counter
from dataclasses import dataclass
from typing import Any

from runner.demo.target import DemoState


@dataclass(frozen=True)
class DemoIdentity:
    function_name: str = "squall-demo-generate"
    api_name: str = "squall-demo-api"
    stage: str = "prod"


def _by_class(seen: Counter[str]) -> dict[str, int]:
    totals = {"all": 0, "429": 0, "4xx": 0, "5xx": 0}
    for key, count in seen.items():
        status = int(key.rsplit(" ", 1)[1])
        totals["all"] += count
        totals["429"] += count if status == 429 else 0
        totals["4xx"] += count if 400 <= status < 500 else 0
        totals["5xx"] += count if status >= 500 else 0
    return totals


def metric_data(state: DemoState, previous: dict[str, int], identity: DemoIdentity,
                now: dt.datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, int]]:
    """(AWS/Lambda data, AWS/ApiGateway data, the counters to diff against next time)."""
    totals = _by_class(state.seen)
    delta = {k: totals[k] - previous.get(k, 0) for k in totals}
    handled = state.window_handled
    duration_ms = state.window_latency_s / handled * 1000 if handled else 0.0
    fn = [{"Name": "FunctionName", "Value": identity.function_name}]
    api = [{"Name": "ApiName", "Value": identity.api_name}, {"Name": "Stage", "Value": identity.stage}]

    def datum(name: str, value: float, dims: list[dict[str, str]], unit: str = "Count") -> dict[str, Any]:
        return {"MetricName": name, "Dimensions": dims, "Value": float(value), "Unit": unit, "Timestamp": now}
    lambda_data = [datum("Invocations", handled, fn), datum("Throttles", delta["429"], fn),
                   datum("Errors", delta["5xx"], fn), datum("ConcurrentExecutions", state.window_peak_active, fn),
                   datum("ConcurrentExecutions", state.window_peak_active, [])]
    if handled:
        lambda_data.append(datum("Duration", duration_ms, fn, "Milliseconds"))
    api_data = [datum("Count", delta["all"], api), datum("4XXError", delta["4xx"], api),
                datum("5XXError", delta["5xx"], api)]
    if handled:
        api_data.append(datum("Latency", duration_ms, api, "Milliseconds"))
    state.window_handled, state.window_latency_s, state.window_peak_active = 0, 0.0, state.active
    return lambda_data, api_data, totals


async def publish_forever(state: DemoState, client: Any, identity: DemoIdentity, interval_s: float) -> None:
    previous: dict[str, int] = {}
    loop = asyncio.get_running_loop()
    while True:
        await asyncio.sleep(interval_s)
        lambda_data, api_data, previous = metric_data(state, previous, identity, dt.datetime.now(dt.UTC))
        for namespace, data in (("AWS/Lambda", lambda_data), ("AWS/ApiGateway", api_data)):
            await loop.run_in_executor(None, functools.partial(client.put_metric_data, Namespace=namespace,
                                                               MetricData=data))
