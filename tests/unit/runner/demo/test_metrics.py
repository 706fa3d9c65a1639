"""The demo target's metrics as AWS would publish them: 429s as Lambda throttles, 5xx as errors,
every answer as API Gateway's Count, each publication the difference since the last."""
from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from runner.demo.metrics import DemoIdentity, metric_data
from runner.demo.target import DemoState, LatencyModel

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


def values(data: list[dict], name: str, dimensions: int | None = None) -> list[float]:
    return [d["Value"] for d in data if d["MetricName"] == name and (dimensions is None or
                                                                     len(d["Dimensions"]) == dimensions)]


def test_a_window_is_published_as_aws_would_and_the_next_is_the_difference() -> None:
    state = DemoState(LatencyModel("fixed", 0.01), 10, 0.0, random.Random(1))
    state.seen = Counter({"GET /health 200": 90, "GET /health 429": 6, "POST /generate 502": 4})
    state.window_handled, state.window_latency_s, state.window_peak_active = 94, 0.94, 7
    lambda_data, api_data, previous = metric_data(state, {}, DemoIdentity(), NOW)
    assert values(lambda_data, "Invocations") == [94] and values(lambda_data, "Throttles") == [6]
    assert values(lambda_data, "Errors") == [4] and values(lambda_data, "Duration") == [10.0]
    assert values(lambda_data, "ConcurrentExecutions", 1) == [7] and values(lambda_data, "ConcurrentExecutions", 0) == [7]
    assert values(api_data, "Count") == [100] and values(api_data, "4XXError") == [6] and values(api_data, "5XXError") == [4]
    state.seen["GET /health 200"] += 10
    _, api_data, _ = metric_data(state, previous, DemoIdentity(), NOW)
    assert values(api_data, "Count") == [10] and values(api_data, "4XXError") == [0]
    assert values(api_data, "Latency") == []  # nothing handled in that window: no latency datum
