"""Regression thresholds against a baseline result, and run-to-run comparison."""
from __future__ import annotations

import copy

import pytest

from analysis.histogram import Histogram
from analysis.merge import merge_shards
from analysis.regression import compare, parse_regression
from analysis.shard import Shard
from analysis.stats import EndpointStats, Window
from analysis.thresholds import Threshold
from analysis.verdict import HealthLimits, judge
from tests.report_fixture import report_result


@pytest.mark.parametrize("text, expected", [
    ("p95 regression < 10%", ("latency", 95.0, "%", "<", 0.10)),
    ("error_rate regression < 0.5pp", ("error_rate", None, "pp", "<", 0.005)),
    ("rps regression <= 5%", ("rps", None, "%", "<=", 0.05)),
])
def test_regression_thresholds_parse(text: str, expected: tuple[object, ...]) -> None:
    ref, op, limit = parse_regression(text)
    assert (ref.metric, ref.percentile, ref.unit, op, limit) == expected


@pytest.mark.parametrize("text, message", [
    ("error_rate regression < 1%", "percentage points"), ("p95 regression < 3pp", "is relative"),
    ("p95 regression > 10%", "cannot read"),
])
def test_bad_regression_thresholds_say_why(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_regression(text)


def threshold(text: str, endpoint: str | None = None) -> Threshold:
    ref, op, limit = parse_regression(text)
    return Threshold(text, "regression", None, op, limit, endpoint=endpoint, regression=ref)


def run_with_latency(latency_us: int, errors: int = 0):
    stats = EndpointStats(requests=100, responses=100, statuses={"200": 100 - errors, "500": errors},
                          errors={"http_5xx": errors} if errors else {}, error_statuses={"500": errors} if errors else {},
                          latency=Histogram.of([latency_us] * 100), latency_uncorrected=Histogram.of([latency_us] * 100))
    return merge_shards([Shard("now", 0, 0, 0, {0: Window(endpoints={"GET /status/{id}": stats})}, final=True)])


def test_a_slower_run_fails_its_p95_regression_against_the_baseline() -> None:
    baseline = report_result()  # GET /status/{id} p95 = 15.5 ms there
    verdict = judge(run_with_latency(31_000), (threshold("p95 regression < 10%", "GET /status/{id}"),), 10.0,
                    HealthLimits(), 0, baseline=baseline)
    [outcome] = verdict.outcomes
    assert outcome.status == "FAIL" and outcome.measured == pytest.approx(31.0 / 15.5 - 1, rel=0.01)
    # the baseline named, with both values (before: only "+100.0 %")
    assert outcome.measured_text.startswith("+") and outcome.measured_text.endswith(" % (31.0 ms vs 15.5 ms in golden-run)")


def test_error_rate_regression_is_in_percentage_points() -> None:
    baseline = report_result()
    verdict = judge(run_with_latency(8_000, errors=2), (threshold("error_rate regression < 0.5pp", "GET /status/{id}"),),
                    10.0, HealthLimits(), 0, baseline=baseline)
    assert verdict.outcomes[0].measured == pytest.approx(0.02) and verdict.outcomes[0].status == "FAIL"
    assert verdict.outcomes[0].measured_text == "+2.00pp (2.00% vs 0.00% in golden-run)"


def test_without_a_baseline_a_regression_threshold_says_how_to_set_one() -> None:
    verdict = judge(run_with_latency(8_000), (threshold("p95 regression < 10%"),), 10.0, HealthLimits(), 0)
    assert verdict.outcomes[0].status == "NO_DATA"
    assert verdict.reasons == ("p95 regression < 10%: nothing was measured (no baseline run: `squall baseline set "
                               "RUN_ID`)",)


def test_a_baseline_that_could_not_be_read_is_named_as_the_reason_not_a_missing_one() -> None:
    verdict = judge(run_with_latency(8_000), (threshold("p95 regression < 10%"),), 10.0, HealthLimits(), 0,
                    baseline_problem="the baseline could not be read: AccessDenied")
    assert verdict.status == "INCONCLUSIVE"
    assert verdict.reasons == ("p95 regression < 10%: nothing was measured (the baseline could not be read: "
                               "AccessDenied)",)


def test_compare_gives_per_metric_and_per_endpoint_deltas() -> None:
    a = report_result()
    b = copy.deepcopy(a)
    b["overall"]["latency"]["p95_ms"] = a["overall"]["latency"]["p95_ms"] * 2
    b["endpoints"].pop("POST /generate")
    rows = {(scope, metric): (va, vb, change) for scope, metric, va, vb, change in compare(a, b)}
    assert rows[("overall", "p95 ms")][2] == "+100.0%"
    assert rows[("overall", "requests")][2] == "+0.0%"
    assert rows[("POST /generate", "p95 ms")][2] == "only in A"
    assert rows[("overall", "error_rate %")][2] == "+0.00pp"
