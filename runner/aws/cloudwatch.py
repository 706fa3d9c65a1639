"""Pull the target's CloudWatch metrics after a run: one adapter that batches (at most 500
queries a call), paginates, and waits — bounded — until the window's last period has
datapoints, then says which resources were still missing. The queries come from the pure
builder in analysis/target.py; the client and the clock are passed in."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from analysis.target import PERIOD_S, MetricQuery, TargetMetrics, batches, metric_window, parse_results

# Which series shows that a resource has reported its last period.
# A resource's metrics "have arrived" when any of these has a datapoint in the window's last period
# (a table that is only written to has no consumed read capacity at all).
_PRESENCE = {"lambda": ("invocations",), "dynamodb": ("consumed_rcu", "consumed_wcu"), "apigateway": ("count",)}


def fetch_metrics(client: Any, queries: list[MetricQuery], start_epoch_s: float, end_epoch_s: float) -> \
        tuple[dict[str, dict[int, float]], int]:
    """All datapoints for ``queries`` over the window; and how many metrics were requested (for cost)."""
    start, end = metric_window(start_epoch_s, end_epoch_s)
    points: dict[str, dict[int, float]] = {}
    requested = 0
    for batch in batches(queries):
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {
                "MetricDataQueries": [q.to_api(PERIOD_S) for q in batch],
                "StartTime": dt.datetime.fromtimestamp(start, dt.UTC),
                "EndTime": dt.datetime.fromtimestamp(end, dt.UTC), "ScanBy": "TimestampAscending"}
            if token:
                kwargs["NextToken"] = token
            response = client.get_metric_data(**kwargs)
            requested += len(batch)
            for query_id, series in parse_results(batch, response.get("MetricDataResults", [])).items():
                points.setdefault(query_id, {}).update(series)
            token = response.get("NextToken")
            if not token:
                break
    return points, requested


def resources_without_last_period(queries: list[MetricQuery], points: dict[str, dict[int, float]],
                                  end_epoch_s: float) -> list[str]:
    _, end = metric_window(0, end_epoch_s)
    last_period = end - PERIOD_S
    waiting = []
    for service, metrics in _PRESENCE.items():
        for resource in sorted({q.resource for q in queries if q.service == service}):
            series = [points.get(q.query_id, {}) for q in queries
                      if q.service == service and q.resource == resource and q.metric in metrics]
            if not any(t >= last_period for s in series for t in s):
                waiting.append(f"{service}:{resource}")
    return waiting


def pull_until_settled(client: Any, queries: list[MetricQuery], start_epoch_s: float, end_epoch_s: float,
                       settle_max_s: float, clock: Callable[[], float], sleep: Callable[[float], None],
                       poll_s: float = 15.0) -> tuple[TargetMetrics, int]:
    """Re-read until every watched resource has datapoints in the window's last period, or until
    ``settle_max_s`` has passed; the resources still without them are listed in ``missing``."""
    deadline = clock() + settle_max_s
    requested = 0
    while True:
        points, calls = fetch_metrics(client, queries, start_epoch_s, end_epoch_s)
        requested += calls
        waiting = resources_without_last_period(queries, points, end_epoch_s)
        if not waiting or clock() + poll_s > deadline:
            return TargetMetrics(queries, points, waiting), requested
        sleep(poll_s)
