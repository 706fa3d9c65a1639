"""The pure side of target metrics: queries, parsing, and thresholds judged from them, pinned on
recorded metric sets (the recorded THROTTLED set is the advice's and the summary's input too)."""
from __future__ import annotations

import datetime as dt

from analysis.merge import MergedRun
from analysis.target import (
    HttpApi,
    RestApi,
    TargetMetrics,
    TargetResources,
    batches,
    build_queries,
    metric_window,
    parse_results,
)
from analysis.target_thresholds import parse_target_threshold
from analysis.thresholds import Threshold
from analysis.verdict import HealthLimits, judge

RESOURCES = TargetResources(("generate",), ("jobs",), (RestApi("images", "prod"),), (HttpApi("a1b2c3", "$default"),))


def test_queries_cover_every_metric_the_issue_names_with_the_right_dimensions() -> None:
    queries = build_queries(RESOURCES)
    names = {(q.service, q.metric_name, q.stat) for q in queries}
    assert {("lambda", "ConcurrentExecutions", "Maximum"), ("lambda", "Throttles", "Sum"), ("lambda", "Errors", "Sum"),
            ("lambda", "Invocations", "Sum"), ("lambda", "Duration", "Average"), ("lambda", "Duration", "p95"),
            ("lambda", "Duration", "Maximum"), ("account", "ConcurrentExecutions", "Maximum"),
            ("account", "UnreservedConcurrentExecutions", "Maximum"), ("dynamodb", "ThrottledRequests", "Sum"),
            ("dynamodb", "ReadThrottleEvents", "Sum"), ("dynamodb", "WriteThrottleEvents", "Sum"),
            ("dynamodb", "ConsumedReadCapacityUnits", "Sum"), ("dynamodb", "ConsumedWriteCapacityUnits", "Sum"),
            ("dynamodb", "SystemErrors", "Sum"), ("apigateway", "Count", "Sum"), ("apigateway", "4XXError", "Sum"),
            ("apigateway", "5XXError", "Sum"), ("apigateway", "Latency", "Average"),
            ("apigateway", "IntegrationLatency", "Average"), ("apigateway", "4xx", "Sum"),
            ("apigateway", "5xx", "Sum")} <= names
    rest = [q for q in queries if q.resource == "images"][0]
    assert rest.dimensions == (("ApiName", "images"), ("Stage", "prod"))
    http = [q for q in queries if q.resource == "a1b2c3"][0]
    assert http.dimensions == (("ApiId", "a1b2c3"), ("Stage", "$default"))
    throttled = [q for q in queries if q.metric_name == "ThrottledRequests"]
    assert len(throttled) == 10 and all(dict(q.dimensions)["TableName"] == "jobs" for q in throttled)
    assert len({q.query_id for q in queries}) == len(queries)
    assert queries[0].to_api(60) == {"Id": "q0", "ReturnData": True, "MetricStat": {
        "Metric": {"Namespace": "AWS/Lambda", "MetricName": "ConcurrentExecutions",
                   "Dimensions": [{"Name": "FunctionName", "Value": "generate"}]}, "Period": 60, "Stat": "Maximum"}}


def test_queries_are_sent_at_most_500_a_call_and_the_window_is_whole_periods() -> None:
    many = build_queries(TargetResources(tuple(f"fn{i}" for i in range(80))))
    assert [len(b) for b in batches(many)] == [500, 62]
    assert metric_window(1_000_030.5, 1_000_100.2) == (1_000_020, 1_000_140)  # 1,000,020 = 60 x 16,667


def metrics(points: dict[tuple[str, str, str, str], list[float]], resources: TargetResources = RESOURCES,
            memory: dict[str, int] | None = None) -> TargetMetrics:
    """A recorded metric set: (service, resource, metric, stat) -> one value per minute."""
    queries = build_queries(resources)
    recorded: dict[str, dict[int, float]] = {}
    for q in queries:
        values = points.get((q.service, q.resource, q.metric, q.stat))
        if values:
            recorded.setdefault(q.query_id, {}).update({60 * i: v for i, v in enumerate(values)})
    return TargetMetrics(queries, recorded, [], memory or {})


def test_results_are_parsed_from_datetimes_and_summed_per_query() -> None:
    queries = build_queries(TargetResources(("fn",)))
    stamp = dt.datetime(2026, 11, 26, 1, 0, tzinfo=dt.UTC)
    points = parse_results(queries, [{"Id": "q1", "Timestamps": [stamp, stamp + dt.timedelta(minutes=1)],
                                      "Values": [3.0, 4.0]}, {"Id": "unknown", "Timestamps": [stamp], "Values": [9]}])
    assert points == {"q1": {int(stamp.timestamp()): 3.0, int(stamp.timestamp()) + 60: 4.0}}


def target_threshold(text: str, severity: str = "must") -> Threshold:
    ref, op, limit = parse_target_threshold(text)
    return Threshold(text, "aws", None, op, limit, severity=severity, target=ref)


THROTTLED = metrics({("lambda", "generate", "throttles", "Sum"): [0, 40, 2],
                     ("lambda", "generate", "invocations", "Sum"): [100, 400, 90],
                     ("lambda", "generate", "errors", "Sum"): [0, 0, 0],
                     ("lambda", "generate", "concurrent_executions", "Maximum"): [10, 50, 12],
                     ("account", "", "concurrent_executions", "Maximum"): [30, 120, 40],
                     ("apigateway", "images", "count", "Sum"): [100, 440, 92],
                     ("apigateway", "images", "5xx", "Sum"): [0, 0, 0],
                     ("apigateway", "images", "4xx", "Sum"): [0, 42, 2]})


def judged(thresholds: tuple[Threshold, ...], target: TargetMetrics | None):
    run = MergedRun()
    run.overall.requests = 632
    return judge(run, thresholds, 60.0, HealthLimits(), planned_workers=0, target=target)


def test_target_thresholds_are_judged_from_the_metrics_with_their_measured_values() -> None:
    verdict = judged((target_threshold("aws.lambda.throttles == 0"),
                      target_threshold("aws.lambda[generate].concurrent_executions.max < 900"),
                      target_threshold("aws.apigateway.5xx_rate < 1%")), THROTTLED)
    assert [(o.status, o.measured) for o in verdict.outcomes] == [("FAIL", 42.0), ("PASS", 50.0), ("PASS", 0.0)]
    assert verdict.status == "FAIL" and verdict.reasons == ("aws.lambda.throttles == 0: measured 42",)


def test_without_target_metrics_a_must_target_threshold_makes_the_run_inconclusive() -> None:
    verdict = judged((target_threshold("aws.lambda.throttles == 0"),), None)
    assert verdict.outcomes[0].status == "NO_DATA" and verdict.status == "INCONCLUSIVE"
