"""Thresholds on the target's own metrics: read in the client thresholds' vocabulary and units,
refused with what is known when they name something that is not."""
from __future__ import annotations

import pytest

from analysis.target_thresholds import TargetRef, parse_target_threshold


@pytest.mark.parametrize("text, ref, op, value", [
    ("aws.lambda.throttles == 0", TargetRef("lambda", None, "throttles", "sum", "count"), "==", 0.0),
    ("aws.lambda[orders].concurrent_executions.max < 900",
     TargetRef("lambda", "orders", "concurrent_executions", "max", "count"), "<", 900.0),
    ("aws.apigateway.5xx_rate < 1%", TargetRef("apigateway", None, "5xx_rate", "sum", "rate"), "<", 0.01),
    ("aws.lambda.duration.p95 < 2s", TargetRef("lambda", None, "duration", "p95", "latency"), "<", 2000.0),
    ("aws.dynamodb[jobs].throttled_requests <= 5", TargetRef("dynamodb", "jobs", "throttled_requests", "sum", "count"),
     "<=", 5.0),
])
def test_thresholds_are_read_in_canonical_units(text: str, ref: TargetRef, op: str, value: float) -> None:
    assert parse_target_threshold(text) == (ref, op, value)


@pytest.mark.parametrize("text, message", [
    ("aws.s3.errors == 0", "unknown AWS service 's3'"),
    ("aws.lambda.coldstarts == 0", "unknown metric aws.lambda.coldstarts (known: throttles"),
    ("aws.lambda.throttles.p95 < 3", "aws.lambda.throttles takes .sum, not .p95"),
    ("aws.lambda.throttles < 3ms", "is a count and takes no unit"),
    ("lambda throttles are zero", "cannot read"),
])
def test_what_is_not_known_is_said_with_what_is(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(".", r"\.")):
        parse_target_threshold(text)
