"""Is a difference between two runs beyond noise? Judged from what each run measured: its merged
histograms and its counts, never from averaged percentiles.

- A percentile (p50, p95, p99): each run's distribution-free confidence interval for that quantile
  (the order statistics whose ranks bound n*p by 1.96 standard deviations of the binomial count,
  Conover, "Practical Nonparametric Statistics", 3rd ed., 3.2), read from the histogram's bucket
  bounds so the histogram's own resolution widens it. Beyond noise when the two 95 % intervals do
  not overlap (a test at least as strict as 5 %).
- The whole latency distribution: the Mann-Whitney rank test on the histograms' buckets (a bucket
  is a group of ties; tie-corrected normal approximation), with its effect size, the probability
  that a request of B is slower than one of A (Vargha and Delaney's A, 2000). Beyond noise when
  p < 0.01 and that probability is at least 0.56 or at most 0.44 (their "small" effect): with a
  hundred thousand requests a rank test finds any shift, however slight.
- The error rate: the two-proportion z-test, beyond noise at p < 0.01.
- The achieved rate: counts over durations as Poisson rates (the normal approximation to their
  difference), beyond noise at p < 0.01.

This is the sampling noise inside the two runs. Run-to-run variation of the system itself is
judged across the history by the trends' change points (analysis.changepoints).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from analysis.histogram import Histogram, bucket_bounds_us

Z_95 = 1.959964  # the two-sided 95 % normal quantile
P_BEYOND_NOISE = 0.01
SMALL_EFFECT = 0.06  # Vargha and Delaney's "small": A >= 0.56 (or <= 0.44)


@dataclass(frozen=True)
class Judgement:
    beyond_noise: bool | None  # None: too little data to judge
    method: str
    detail: str


def _two_sided_p(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


def _value_at_rank(histogram: Histogram, rank: int, upper: bool) -> float:
    """The bound (lower or upper) of the bucket holding the rank-th sample (1-based), in µs."""
    seen = 0
    for index in sorted(histogram.counts):
        seen += histogram.counts[index]
        if seen >= rank:
            low, high = bucket_bounds_us(index)
            value = high - 1 if upper else low
            return float(min(max(value, histogram.min_us), histogram.max_us))
    return float(histogram.max_us)


def quantile_interval_us(histogram: Histogram, percent: float, z: float = Z_95) -> tuple[float, float] | None:
    """A confidence interval for the ``percent`` quantile, in µs; None for an empty histogram."""
    n = histogram.total_count
    if n == 0:
        return None
    p = percent / 100
    spread = z * math.sqrt(n * p * (1 - p))
    low_rank = max(1, math.floor(n * p - spread))
    high_rank = min(n, math.ceil(n * p + spread) + 1)
    return _value_at_rank(histogram, low_rank, upper=False), _value_at_rank(histogram, high_rank, upper=True)


def percentile_shift(a: Histogram, b: Histogram, percent: float) -> Judgement:
    method = "95% quantile intervals"
    ia, ib = quantile_interval_us(a, percent), quantile_interval_us(b, percent)
    if ia is None or ib is None:
        return Judgement(None, method, "no requests in one of the runs")
    apart = ia[1] < ib[0] or ib[1] < ia[0]
    return Judgement(apart, method, f"A {ia[0] / 1000:.3g}-{ia[1] / 1000:.3g} ms, B {ib[0] / 1000:.3g}-"
                                    f"{ib[1] / 1000:.3g} ms: {'apart' if apart else 'overlapping'}")


def rank_test(a: Histogram, b: Histogram) -> tuple[float, float] | None:
    """Mann-Whitney on the buckets: (two-sided p-value, probability a request of B is slower than
    one of A, ties counted half). None when a run has no samples."""
    na, nb = a.total_count, b.total_count
    if na == 0 or nb == 0:
        return None
    total = na + nb
    rank_sum_a = 0.0
    ties = 0.0
    seen = 0
    for index in sorted(set(a.counts) | set(b.counts)):
        ca, cb = a.counts.get(index, 0), b.counts.get(index, 0)
        group = ca + cb
        rank_sum_a += ca * (seen + (group + 1) / 2)  # every sample of the bucket gets its mid rank
        ties += group ** 3 - group
        seen += group
    u_a = rank_sum_a - na * (na + 1) / 2  # pairs where A's sample is the slower, ties half
    b_slower = 1 - u_a / (na * nb)
    variance = na * nb / 12 * ((total + 1) - ties / (total * (total - 1))) if total > 1 else 0.0
    if variance <= 0:
        return 1.0, b_slower  # every sample in one bucket: nothing to tell apart
    return _two_sided_p((u_a - na * nb / 2) / math.sqrt(variance)), b_slower


def distribution_shift(a: Histogram, b: Histogram) -> Judgement:
    method = "Mann-Whitney on the histograms"
    tested = rank_test(a, b)
    if tested is None:
        return Judgement(None, method, "no requests in one of the runs")
    p_value, b_slower = tested
    beyond = p_value < P_BEYOND_NOISE and abs(b_slower - 0.5) >= SMALL_EFFECT
    return Judgement(beyond, method, f"p={p_value:.2g}, a request of B is slower than one of A with "
                                     f"probability {b_slower:.2f}")


def proportion_shift(errors_a: int, requests_a: int, errors_b: int, requests_b: int) -> Judgement:
    method = "two-proportion z-test"
    if requests_a == 0 or requests_b == 0:
        return Judgement(None, method, "no requests in one of the runs")
    pooled = (errors_a + errors_b) / (requests_a + requests_b)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / requests_a + 1 / requests_b))
    if spread == 0:
        return Judgement(False, method, "the same rate in both (p=1)")
    p_value = _two_sided_p((errors_b / requests_b - errors_a / requests_a) / spread)
    return Judgement(p_value < P_BEYOND_NOISE, method, f"p={p_value:.2g}")


def rate_shift(count_a: int, duration_a_s: float, count_b: int, duration_b_s: float) -> Judgement:
    method = "Poisson rates"
    if duration_a_s <= 0 or duration_b_s <= 0 or count_a + count_b == 0:
        return Judgement(None, method, "no duration or no requests")
    spread = math.sqrt(count_a / duration_a_s ** 2 + count_b / duration_b_s ** 2)
    p_value = _two_sided_p((count_b / duration_b_s - count_a / duration_a_s) / spread)
    return Judgement(p_value < P_BEYOND_NOISE, method, f"p={p_value:.2g}")
