"""The counters every window holds: merging two is adding every count and merging histograms (the
merged p99 is the p99 of all the samples, never an average of the two), and each goes through its
dict form unchanged; what is not a window is named where it was read."""
from __future__ import annotations

import pytest

from analysis.histogram import Histogram
from analysis.stats import EndpointStats, HealthStats, Window


def stats(samples_us: list[int], errors: int = 0) -> EndpointStats:
    return EndpointStats(requests=len(samples_us), responses=len(samples_us),
                         statuses={"200": len(samples_us) - errors, **({"503": errors} if errors else {})},
                         errors={"http_5xx": errors} if errors else {}, bytes_in=100 * len(samples_us),
                         latency=Histogram.of(samples_us), latency_uncorrected=Histogram.of(samples_us))


def test_merging_adds_every_count_and_merges_the_histograms() -> None:
    fast, slow = stats([1_000] * 99), stats([500_000] * 2, errors=2)
    merged = EndpointStats()
    merged.merge(fast)
    merged.merge(slow)
    assert (merged.requests, merged.error_count, merged.statuses) == (101, 2, {"200": 99, "503": 2})
    assert merged.bytes_in == 10_100
    everyone = Histogram.of([1_000] * 99 + [500_000] * 2)
    assert merged.latency.percentile_us(99) == everyone.percentile_us(99)
    assert merged.latency.percentile_us(99) != pytest.approx((fast.latency.percentile_us(99)
                                                              + slow.latency.percentile_us(99)) / 2, rel=0.1)


def test_a_window_goes_through_its_dict_form_unchanged() -> None:
    window = Window()
    window.endpoint("GET /a").merge(stats([2_000, 3_000, 40_000], errors=1))
    window.scenario("browse").launched += 3
    window.health = HealthStats(intended=5, dropped=1, late=2, lag=Histogram.of([300, 9_000]),
                                refused_hosts={"evil.example": 1}, cpu_s=0.25, wall_s=1.0)
    again = Window.from_dict(window.to_dict(), "w")
    assert again.to_dict() == window.to_dict()
    assert again.endpoints["GET /a"].latency.counts == window.endpoints["GET /a"].latency.counts
    assert again.health.refused_hosts == {"evil.example": 1} and again.scenarios["browse"].launched == 3


def test_what_is_not_a_window_is_named_where_it_was_read() -> None:
    with pytest.raises(ValueError, match="shards/0/000/000001/00003.json.gz"):
        Window.from_dict({"endpoints": {"GET /": {"requests": "many"}}}, "shards/0/000/000001/00003.json.gz")
