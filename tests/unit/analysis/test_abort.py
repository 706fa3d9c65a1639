"""Abort rules on a per-second timeline: the breach must last `for`, after the `after` grace."""
from __future__ import annotations

import pytest

from analysis.abort import AbortRule, check_abort
from analysis.histogram import Histogram
from analysis.stats import EndpointStats, Window
from analysis.thresholds import Threshold


def second(errors: int, statuses: dict[str, int] | None = None, latency_us: int = 1_000) -> Window:
    requests = 100
    status_counts = statuses or {"200": requests - errors, "500": errors}
    error_statuses = {k: v for k, v in status_counts.items() if int(k) >= 400}
    stats = EndpointStats(requests=requests, responses=requests, statuses=status_counts,
                          errors={"http_5xx": errors} if errors else {}, error_statuses=error_statuses,
                          latency=Histogram.of([latency_us] * requests))
    return Window(endpoints={"GET /": stats})


ERRORS = Threshold("error_rate < 5%", "error_rate", None, "<", 0.05)


@pytest.mark.parametrize("errors_by_second, for_s, after_s, expected_second", [
    ([0, 0, 10, 10, 10, 0], 3, 0, 4),   # broken from second 2 for 3 seconds: abort at 4
    ([0, 0, 10, 10, 0, 10, 10], 3, 0, None),  # never 3 seconds in a row
    ([10, 10, 10, 0, 0, 0], 2, 3, None),  # only during the grace period
    ([10, 10, 10, 10, 10], 2, 3, 4),     # grace ends at 3: seconds 3 and 4
    ([0, 10], 0, 0, 1),                  # no 'for': the first broken second
])
def test_an_abort_needs_a_breach_that_lasts(errors_by_second: list[int], for_s: float, after_s: float,
                                            expected_second: int | None) -> None:
    timeline = {i: second(e) for i, e in enumerate(errors_by_second)}
    decision = check_abort((AbortRule(ERRORS, for_s, after_s),), timeline, len(errors_by_second) - 1)
    assert (decision.second if decision else None) == expected_second
    if decision:
        assert decision.describe() == f"aborted at {expected_second} s: error_rate < 5% was broken (measured 10.00 %)"


def test_expected_statuses_never_trigger_an_abort() -> None:
    rule = AbortRule(Threshold("error_rate < 5%", "error_rate", None, "<", 0.05, exclude_statuses=(429,)), 1, 0)
    throttled = {i: second(0, {"200": 60, "429": 40}) for i in range(5)}
    for window in throttled.values():
        window.endpoints["GET /"].errors = {"http_429": 40}
    assert check_abort((rule,), throttled, 4) is None


def test_latency_rules_judge_each_seconds_own_histogram() -> None:
    rule = AbortRule(Threshold("p95 < 100ms", "latency", 95.0, "<", 100.0), for_s=2)
    timeline = {0: second(0, latency_us=5_000), 1: second(0, latency_us=500_000), 2: second(0, latency_us=400_000)}
    decision = check_abort((rule,), timeline, 2)
    assert decision is not None and decision.second == 2 and decision.measured == "400 ms"
