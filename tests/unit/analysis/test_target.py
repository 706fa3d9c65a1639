"""The pure side of target metrics: queries, parsing, thresholds, cross-check and advice,
pinned on recorded metric sets."""
from __future__ import annotations

import datetime as dt

import pytest

from analysis.advice import TargetLimits, advise
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
from analysis.target_summary import cross_check
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


@pytest.mark.parametrize("text, expected", [
    ("aws.lambda.throttles == 0", ("lambda", None, "throttles", "sum", "count", "==", 0.0)),
    ("aws.lambda[fn-name].concurrent_executions.max < 900", ("lambda", "fn-name", "concurrent_executions", "max",
                                                              "count", "<", 900.0)),
    ("aws.dynamodb.throttled_requests == 0", ("dynamodb", None, "throttled_requests", "sum", "count", "==", 0.0)),
    ("aws.apigateway.5xx_rate < 1%", ("apigateway", None, "5xx_rate", "sum", "rate", "<", 0.01)),
    ("aws.lambda.duration.p95 < 2s", ("lambda", None, "duration", "p95", "latency", "<", 2000.0)),
])
def test_target_thresholds_parse(text: str, expected: tuple[object, ...]) -> None:
    ref, op, limit = parse_target_threshold(text)
    assert (ref.service, ref.resource, ref.metric, ref.aggregation, ref.kind, op, limit) == expected


@pytest.mark.parametrize("text, message", [
    ("aws.s3.errors == 0", "unknown AWS service 's3'"),
    ("aws.lambda.throttle == 0", "unknown metric aws.lambda.throttle"),
    ("aws.lambda.throttles.max == 0", "aws.lambda.throttles takes .sum, not .max"),
    ("aws.lambda.throttles == 0%", "is a count and takes no unit"),
])
def test_bad_target_thresholds_say_why(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(".", r"\.")):
        parse_target_threshold(text)


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


def test_the_cross_check_flags_a_gap_beyond_two_percent() -> None:
    assert cross_check(THROTTLED, 632)["flagged"] is False  # 632 sent, 632 counted
    lost = cross_check(THROTTLED, 700)
    assert lost["flagged"] is True and lost["gap"] == pytest.approx((700 - 632) / 700)
    assert "more than 2 % apart" in lost["message"]


def advice_for(texts: list[str], recorded: TargetMetrics, limits: TargetLimits = TargetLimits({}),
               client_429: int = 0) -> list[str]:
    return advise(judged(tuple(target_threshold(t) for t in texts), recorded).outcomes, recorded, limits, client_429)


def test_lambda_throttles_point_at_reserved_concurrency_when_it_is_set() -> None:
    [advice] = advice_for(["aws.lambda.throttles == 0"], THROTTLED, TargetLimits({"generate": 50}, 1000))
    assert advice.startswith("Lambda generate was throttled 42 times at a peak concurrency of 50: its reserved "
                             "concurrency is 50")


def test_lambda_throttles_name_both_limits_when_no_reservation_is_known() -> None:
    [advice] = advice_for(["aws.lambda.throttles == 0"], THROTTLED, TargetLimits({}, 1000))
    assert "account-wide peak 120, account quota 1,000" in advice and "reserved concurrency" in advice


def test_dynamodb_throttles_point_at_capacity_mode_and_hot_partitions() -> None:
    recorded = metrics({("dynamodb", "jobs", "write_throttle_events", "Sum"): [0, 17],
                        ("dynamodb", "jobs", "consumed_wcu", "Sum"): [500, 900]})
    [advice] = advice_for(["aws.dynamodb.write_throttle_events == 0"], recorded)
    assert advice.startswith("DynamoDB table jobs throttled 17 requests/events") and "hot partitions" in advice


def test_api_5xx_with_lambda_errors_blames_the_function_and_without_them_the_integration() -> None:
    with_errors = metrics({("apigateway", "images", "count", "Sum"): [100], ("apigateway", "images", "5xx", "Sum"): [9],
                           ("lambda", "generate", "errors", "Sum"): [9],
                           ("lambda", "generate", "invocations", "Sum"): [100]})
    [advice] = advice_for(["aws.apigateway.5xx_rate < 1%"], with_errors)
    assert advice == "API Gateway returned 9 5xx while Lambda reported 9 errors: the function is failing; " \
                     "read its logs for those errors."
    without = metrics({("apigateway", "images", "count", "Sum"): [100], ("apigateway", "images", "5xx", "Sum"): [9],
                       ("apigateway", "images", "integration_latency", "Average"): [29000],
                       ("lambda", "generate", "invocations", "Sum"): [100]})
    [advice] = advice_for(["aws.apigateway.5xx_rate < 1%"], without)
    assert "no Lambda errors: look at integration timeouts" in advice and "29,000 ms" in advice


def test_client_429_without_lambda_throttles_points_at_api_gateway_throttling() -> None:
    recorded = metrics({("apigateway", "images", "count", "Sum"): [100], ("apigateway", "images", "4xx", "Sum"): [30],
                        ("apigateway", "images", "5xx", "Sum"): [0], ("lambda", "generate", "invocations", "Sum"): [70]})
    texts = ["aws.apigateway.4xx_rate < 1%"]
    advice = advice_for(texts, recorded, client_429=30)
    assert advice == ["The clients got 30 answers 429 while Lambda did not throttle: API Gateway's stage or "
                      "usage-plan throttling limits (rate and burst) were reached."]
