"""The target's AWS resources and the CloudWatch queries that watch them: a pure builder
(resources and a time window in, GetMetricData queries out) and a pure parser (results in,
per-resource series out). No boto3 here: runner/aws/cloudwatch.py makes the calls.

Units: seconds for periods, epoch seconds for times, CloudWatch's own units for values
(counts, milliseconds for durations and latencies).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PERIOD_S = 60
DYNAMODB_OPERATIONS = ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem",
                       "BatchWriteItem", "TransactGetItems", "TransactWriteItems")


@dataclass(frozen=True)
class RestApi:
    name: str
    stage: str


@dataclass(frozen=True)
class HttpApi:
    api_id: str
    stage: str


@dataclass(frozen=True)
class TargetResources:
    lambdas: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()
    rest_apis: tuple[RestApi, ...] = ()
    http_apis: tuple[HttpApi, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.lambdas or self.tables or self.rest_apis or self.http_apis)

    def merged(self, other: TargetResources) -> TargetResources:
        return TargetResources(tuple(dict.fromkeys(self.lambdas + other.lambdas)),
                               tuple(dict.fromkeys(self.tables + other.tables)),
                               tuple(dict.fromkeys(self.rest_apis + other.rest_apis)),
                               tuple(dict.fromkeys(self.http_apis + other.http_apis)))


@dataclass(frozen=True)
class MetricQuery:
    query_id: str  # unique, [a-z][a-zA-Z0-9_]*
    service: str  # lambda, account, dynamodb, apigateway
    resource: str  # function, table or API name ("" for the account)
    metric: str  # our name: throttles, concurrent_executions, ...
    stat: str  # CloudWatch statistic: Sum, Maximum, Average, p95
    namespace: str
    metric_name: str
    dimensions: tuple[tuple[str, str], ...]

    def to_api(self, period_s: int) -> dict[str, Any]:
        return {"Id": self.query_id, "ReturnData": True, "MetricStat": {
            "Metric": {"Namespace": self.namespace, "MetricName": self.metric_name,
                       "Dimensions": [{"Name": k, "Value": v} for k, v in self.dimensions]},
            "Period": period_s, "Stat": self.stat}}


LAMBDA_METRICS = (("concurrent_executions", "ConcurrentExecutions", "Maximum"), ("throttles", "Throttles", "Sum"),
                  ("errors", "Errors", "Sum"), ("invocations", "Invocations", "Sum"),
                  ("duration", "Duration", "Average"), ("duration", "Duration", "p95"),
                  ("duration", "Duration", "Maximum"))
ACCOUNT_METRICS = (("concurrent_executions", "ConcurrentExecutions", "Maximum"),
                   ("unreserved_concurrent_executions", "UnreservedConcurrentExecutions", "Maximum"))
TABLE_METRICS = (("read_throttle_events", "ReadThrottleEvents", "Sum"),
                 ("write_throttle_events", "WriteThrottleEvents", "Sum"),
                 ("consumed_rcu", "ConsumedReadCapacityUnits", "Sum"),
                 ("consumed_wcu", "ConsumedWriteCapacityUnits", "Sum"))
TABLE_OPERATION_METRICS = (("throttled_requests", "ThrottledRequests", "Sum"), ("system_errors", "SystemErrors", "Sum"))
REST_METRICS = (("count", "Count", "Sum"), ("4xx", "4XXError", "Sum"), ("5xx", "5XXError", "Sum"),
                ("latency", "Latency", "Average"), ("latency", "Latency", "p95"),
                ("integration_latency", "IntegrationLatency", "Average"))
HTTP_METRICS = (("count", "Count", "Sum"), ("4xx", "4xx", "Sum"), ("5xx", "5xx", "Sum"),
                ("latency", "Latency", "Average"), ("latency", "Latency", "p95"),
                ("integration_latency", "IntegrationLatency", "Average"))


def build_queries(resources: TargetResources) -> list[MetricQuery]:
    queries: list[MetricQuery] = []

    def add(service: str, resource: str, metric: str, stat: str, namespace: str, name: str,
            dimensions: tuple[tuple[str, str], ...]) -> None:
        queries.append(MetricQuery(f"q{len(queries)}", service, resource, metric, stat, namespace, name, dimensions))

    for function in resources.lambdas:
        for metric, name, stat in LAMBDA_METRICS:
            add("lambda", function, metric, stat, "AWS/Lambda", name, (("FunctionName", function),))
    if resources.lambdas:
        for metric, name, stat in ACCOUNT_METRICS:
            add("account", "", metric, stat, "AWS/Lambda", name, ())
    for table in resources.tables:
        for metric, name, stat in TABLE_METRICS:
            add("dynamodb", table, metric, stat, "AWS/DynamoDB", name, (("TableName", table),))
        for metric, name, stat in TABLE_OPERATION_METRICS:  # published per operation only
            for operation in DYNAMODB_OPERATIONS:
                add("dynamodb", table, metric, stat, "AWS/DynamoDB", name,
                    (("TableName", table), ("Operation", operation)))
    for api in resources.rest_apis:
        for metric, name, stat in REST_METRICS:
            add("apigateway", api.name, metric, stat, "AWS/ApiGateway", name, (("ApiName", api.name), ("Stage", api.stage)))
    for http_api in resources.http_apis:
        for metric, name, stat in HTTP_METRICS:
            add("apigateway", http_api.api_id, metric, stat, "AWS/ApiGateway", name,
                (("ApiId", http_api.api_id), ("Stage", http_api.stage)))
    return queries


def batches(queries: list[MetricQuery], size: int = 500) -> list[list[MetricQuery]]:
    """GetMetricData takes at most 500 queries a call."""
    return [queries[i:i + size] for i in range(0, len(queries), size)]


def metric_window(start_epoch_s: float, end_epoch_s: float, period_s: int = PERIOD_S) -> tuple[int, int]:
    """The run's window widened to whole periods (CloudWatch aligns datapoints to periods)."""
    start = int(start_epoch_s) // period_s * period_s
    end = -(-int(end_epoch_s) // period_s) * period_s
    return start, max(end, start + period_s)


@dataclass
class TargetMetrics:
    """Per query: datapoints (epoch s -> value). ``missing``: queries still without the window's
    last period when the bounded wait ended."""

    queries: list[MetricQuery]
    points: dict[str, dict[int, float]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    memory_mb: dict[str, int] = field(default_factory=dict)  # Lambda function -> configured memory

    def series(self, service: str, metric: str, stat: str, resource: str | None = None) -> list[dict[int, float]]:
        return [self.points.get(q.query_id, {}) for q in self.queries
                if q.service == service and q.metric == metric and q.stat == stat
                and (resource is None or q.resource == resource)]

    def total(self, service: str, metric: str, stat: str = "Sum", resource: str | None = None) -> float | None:
        """The sum over the window; None when nothing of that service (or resource) answered at
        all. A metric with no datapoints beside others that have some is 0 (CloudWatch omits
        empty periods of counters such as Throttles)."""
        found = self.series(service, metric, stat, resource)
        if not found or self._none_answered(service, resource):
            return None
        return float(sum(sum(s.values()) for s in found))

    def peak(self, service: str, metric: str, stat: str = "Maximum", resource: str | None = None) -> float | None:
        values = [v for s in self.series(service, metric, stat, resource) for v in s.values()]
        return max(values) if values else None

    def mean_of(self, service: str, metric: str, resource: str | None = None) -> float | None:
        """A count-weighted mean is not available from averages alone: the mean of period averages."""
        values = [v for s in self.series(service, metric, "Average", resource) for v in s.values()]
        return sum(values) / len(values) if values else None

    def _none_answered(self, service: str, resource: str | None = None) -> bool:
        return all(not self.points.get(q.query_id) for q in self.queries
                   if q.service == service and (resource is None or q.resource == resource))

    def to_dict(self) -> dict[str, Any]:
        return {
            "series": [{"service": q.service, "resource": q.resource, "metric": q.metric, "stat": q.stat,
                        "dimensions": dict(q.dimensions),
                        "points": [[t, v] for t, v in sorted(self.points.get(q.query_id, {}).items())]}
                       for q in self.queries if self.points.get(q.query_id)],
            "missing": self.missing, "memory_mb": self.memory_mb,
        }


def parse_results(queries: list[MetricQuery], results: list[dict[str, Any]]) -> dict[str, dict[int, float]]:
    """GetMetricData MetricDataResults (Timestamps as epoch seconds or datetimes) -> points per query id."""
    known = {q.query_id for q in queries}
    points: dict[str, dict[int, float]] = {}
    for result in results:
        query_id = result.get("Id")
        if query_id not in known:
            continue
        series = points.setdefault(query_id, {})
        for stamp, value in zip(result.get("Timestamps", []), result.get("Values", []), strict=False):
            epoch = int(stamp if isinstance(stamp, (int, float)) else stamp.timestamp())
            series[epoch] = series.get(epoch, 0.0) + float(value)
    return points
