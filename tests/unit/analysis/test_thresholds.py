from __future__ import annotations

import re

import pytest

from analysis.histogram import Histogram
from analysis.stats import EndpointStats
from analysis.thresholds import Threshold, error_rate, measure, parse_threshold


@pytest.mark.parametrize("text, expected", [
    ("p95 < 5000ms", ("latency", 95.0, "<", 5000.0)),
    ("p99 < 10s", ("latency", 99.0, "<", 10000.0)),
    ("p99.9 <= 2s", ("latency", 99.9, "<=", 2000.0)),
    ("median < 300ms", ("latency", 50.0, "<", 300.0)),
    ("max < 500us", ("latency", 100.0, "<", 0.5)),
    ("mean < 1s", ("latency", None, "<", 1000.0)),
    ("error_rate < 1%", ("error_rate", None, "<", 0.01)),
    ("error_rate < 2.5%", ("error_rate", None, "<", 0.025)),
    ("rps >= 90", ("rps", None, ">=", 90.0)),
    ("rps >= 6000/min", ("rps", None, ">=", 100.0)),
    ("errors == 0", ("errors", None, "==", 0.0)),
], ids=lambda v: v if isinstance(v, str) else None)
def test_threshold_expressions_parse_to_canonical_units(text: str, expected: tuple[object, ...]) -> None:
    assert parse_threshold(text) == expected


@pytest.mark.parametrize("text, message", [
    ("p95 < 5 parsecs", "cannot read 'p95 < 5 parsecs'"),
    ("latency < 5ms", "unknown metric 'latency'"),
    ("error_rate < 5ms", "error_rate takes a percentage such as 1%, not 'ms'"),
    # a number without its unit is ambiguous: refused with both readings
    ("error_rate < 1", "'error_rate < 1': error_rate needs its unit: 1% or 100% (a fraction of 1)?"),
    ("error_rate < 0.01", "'error_rate < 0.01': error_rate needs its unit: 0.01% or 1% (a fraction of 0.01)?"),
    ("p95 < 5", "'p95 < 5': a latency needs its unit: 5ms or 5s?"),
    ("rps > 5%", "rps takes a rate"),
    ("p95 < 5%", "latency takes ms, s or us"),
])
def test_bad_threshold_expressions_say_why(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_threshold(text)


def _stats(statuses: dict[str, int], errors: dict[str, int], error_statuses: dict[str, int]) -> EndpointStats:
    total = sum(statuses.values()) + sum(v for k, v in errors.items() if not k.startswith("http"))
    return EndpointStats(requests=total, responses=sum(statuses.values()), statuses=statuses, errors=errors,
                         error_statuses=error_statuses, latency=Histogram.of([1000] * total))


def test_expected_statuses_can_be_excluded_from_the_error_rate() -> None:
    stats = _stats({"200": 90, "429": 8, "500": 2}, {"http_429": 8, "http_5xx": 2}, {"429": 8, "500": 2})
    assert error_rate(stats) == pytest.approx(0.10)
    assert error_rate(stats, exclude_statuses=(429,)) == pytest.approx(0.02)


def test_exclusions_apply_to_the_errors_count_too_and_show_in_the_label() -> None:
    stats = _stats({"200": 90, "429": 8, "500": 2}, {"http_429": 8, "http_5xx": 2}, {"429": 8, "500": 2})
    errors = Threshold("errors < 5", "errors", None, "<", 5.0, exclude_statuses=(429,))
    assert measure(errors, stats, duration_s=1.0) == 2.0
    assert errors.label == "errors < 5 (excluding 429)"


def test_measure_reads_rates_over_the_run_duration_and_has_no_data_for_an_idle_endpoint() -> None:
    stats = _stats({"200": 300}, {}, {})
    rps = Threshold("rps >= 90", "rps", None, ">=", 90.0)
    assert measure(rps, stats, duration_s=3.0) == 100.0
    p95 = Threshold("p95 < 5ms", "latency", 95.0, "<", 5.0)
    assert measure(p95, EndpointStats(), duration_s=3.0) is None
