"""Advice with every failed target threshold: which limit was hit, with the numbers."""
from __future__ import annotations

from analysis.advice import TargetLimits, advise
from analysis.target import TargetMetrics
from tests.unit.analysis.test_target import THROTTLED, judged, metrics, target_threshold


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
