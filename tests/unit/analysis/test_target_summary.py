"""The target's side in the result: the cross-check of requests sent against those the target
counted, and per-resource totals."""
from __future__ import annotations

import pytest

from analysis.target_summary import cross_check, resource_totals
from tests.unit.analysis.test_target import THROTTLED


def test_the_cross_check_flags_a_gap_beyond_two_percent() -> None:
    assert cross_check(THROTTLED, 632)["flagged"] is False  # 632 sent, 632 counted
    lost = cross_check(THROTTLED, 700)
    assert lost["flagged"] is True and lost["gap"] == pytest.approx((700 - 632) / 700)
    assert "more than 2 % apart" in lost["message"]


def test_totals_are_per_resource_and_metric() -> None:
    totals = resource_totals(THROTTLED)
    [generate] = totals["lambda"]
    assert (generate["name"], generate["throttles"], generate["invocations"], generate["concurrent_executions_max"]) \
        == ("generate", 42, 590, 50)
    images = next(row for row in totals["apigateway"] if row["name"] == "images")
    assert (images["count"], images["4xx"], images["5xx"]) == (632, 44, 0)
    assert totals["dynamodb"][0]["throttled_requests"] is None  # not measured is not zero
