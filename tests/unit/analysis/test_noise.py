"""Beyond noise or not, on synthetic runs whose answer is known: two samples of one distribution
are within noise, a shifted one is beyond it, and a small sample is too small to tell."""
from __future__ import annotations

import random

from analysis.histogram import Histogram
from analysis.noise import (
    distribution_shift,
    percentile_shift,
    proportion_shift,
    quantile_interval_us,
    rank_test,
    rate_shift,
)


def latencies(count: int, seed: int, scale: float = 1.0) -> Histogram:
    """Lognormal latencies around 50 ms (a typical API's shape), times ``scale``."""
    rng = random.Random(seed)
    histogram = Histogram()
    for _ in range(count):
        histogram.record(int(rng.lognormvariate(10.8, 0.4) * scale))
    return histogram


def test_two_runs_of_one_distribution_are_within_noise() -> None:
    a, b = latencies(20_000, 1), latencies(20_000, 2)
    for percent in (50, 95, 99):
        assert percentile_shift(a, b, percent).beyond_noise is False
    assert distribution_shift(a, b).beyond_noise is False


def test_a_ten_percent_slower_run_is_beyond_noise() -> None:
    a, b = latencies(20_000, 1), latencies(20_000, 2, scale=1.10)
    assert percentile_shift(a, b, 95).beyond_noise is True
    judged = distribution_shift(a, b)
    # Φ(ln 1.1 / (0.4·√2)) = 0.567
    assert judged.beyond_noise is True and "slower than one of A with probability 0.57" in judged.detail


def test_a_small_sample_is_too_small_to_tell_a_small_shift() -> None:
    a, b = latencies(30, 1), latencies(30, 2, scale=1.05)
    assert percentile_shift(a, b, 95).beyond_noise is False
    assert distribution_shift(a, b).beyond_noise is False


def test_identical_distributions_are_rarely_called_apart() -> None:
    flagged = sum(bool(percentile_shift(latencies(5_000, seed), latencies(5_000, seed + 100), 95).beyond_noise)
                  for seed in range(40))
    assert flagged <= 2  # non-overlapping 95 % intervals: a test well under 5 %


def test_the_quantile_interval_holds_the_percentile() -> None:
    histogram = latencies(10_000, 5)
    low, high = quantile_interval_us(histogram, 95) or (0, 0)
    assert low <= histogram.percentile_us(95) <= high
    assert quantile_interval_us(Histogram(), 95) is None


def test_the_rank_test_on_buckets_equals_counting_pairs() -> None:
    a_values, b_values = [1, 2, 2, 3, 5, 8], [2, 3, 3, 4, 9, 9, 10]
    a, b = Histogram(), Histogram()
    for v in a_values:
        a.record(v)
    for v in b_values:
        b.record(v)
    _, b_slower = rank_test(a, b) or (0, 0)
    pairs = sum(1.0 if y > x else 0.5 if y == x else 0.0 for x in a_values for y in b_values)
    assert abs(b_slower - pairs / (len(a_values) * len(b_values))) < 1e-12


def test_error_rates() -> None:
    assert proportion_shift(10, 1_000, 12, 1_000).beyond_noise is False
    assert proportion_shift(10, 10_000, 100, 10_000).beyond_noise is True
    assert proportion_shift(0, 1_000, 0, 1_000).beyond_noise is False
    assert proportion_shift(0, 0, 1, 10).beyond_noise is None


def test_achieved_rates() -> None:
    assert rate_shift(6_000, 60.0, 6_050, 60.0).beyond_noise is False
    assert rate_shift(6_000, 60.0, 5_000, 60.0).beyond_noise is True
    assert rate_shift(10, 0.0, 10, 1.0).beyond_noise is None
