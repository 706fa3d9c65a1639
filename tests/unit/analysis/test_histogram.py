from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.histogram import MAX_TRACKABLE_US, Histogram, bucket_bounds_us, bucket_index


@given(st.integers(min_value=100, max_value=MAX_TRACKABLE_US))
def test_a_value_read_back_is_within_0_4_percent_from_100us_to_5min(value_us: int) -> None:
    """The bound docs/numbers.md states: 128 sub-buckets per power of two, read at the midpoint."""
    low, high = bucket_bounds_us(bucket_index(value_us))
    assert low <= value_us < high
    midpoint = (low + high - 1) / 2
    assert abs(midpoint - value_us) / value_us <= 0.004


def test_values_beyond_five_minutes_are_counted_not_dropped() -> None:
    hist = Histogram.of([10, MAX_TRACKABLE_US + 1, 10 * MAX_TRACKABLE_US])
    assert hist.total_count == 3
    assert hist.clamped_count == 2
    assert hist.max_us == MAX_TRACKABLE_US


def test_encoding_round_trips_exactly() -> None:
    rng = random.Random(3)
    hist = Histogram.of(int(rng.lognormvariate(9, 1.5)) for _ in range(5000))
    again = Histogram.decode(hist.encode())
    assert again.counts == hist.counts
    assert (again.total_count, again.min_us, again.max_us, again.sum_us) == \
        (hist.total_count, hist.min_us, hist.max_us, hist.sum_us)


def test_the_list_form_inside_shards_round_trips_exactly() -> None:
    rng = random.Random(4)
    hist = Histogram.of(int(rng.lognormvariate(9, 1.5)) for _ in range(5000))
    again = Histogram.read(hist.to_list())
    assert again.counts == hist.counts
    assert (again.total_count, again.clamped_count, again.min_us, again.max_us, again.sum_us) == \
        (hist.total_count, hist.clamped_count, hist.min_us, hist.max_us, hist.sum_us)
    assert Histogram.read(Histogram().to_list()).total_count == 0


@pytest.mark.parametrize("flat", [[], [1, 0, 5, 5, 5], [1, 0, 5, 5, 5, 5, 1, 0], [1, 0, 5, 5, 5, -1, 1],
                                  [2, 0, 5, 5, 10, 5, 1, 0, 1], [1, 0, 5, 5, 5, 5, True], [1, 0, 5, 5, 5, 5, 1.0],
                                  [1, 0, 5, 5, 5, 10**9, 1], "1,0,5"])
def test_a_malformed_list_is_rejected(flat: object) -> None:
    with pytest.raises(ValueError, match="malformed histogram"):
        Histogram.read(flat) if not isinstance(flat, str) else Histogram.from_list(flat)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["", "not base64!", "aGVsbG8=", Histogram.of([5]).encode()[:-4]])
def test_a_malformed_encoding_is_rejected(text: str) -> None:
    with pytest.raises(ValueError, match="malformed histogram"):
        Histogram.decode(text)


samples = st.lists(st.integers(min_value=0, max_value=50_000_000), min_size=1, max_size=300)


@settings(max_examples=60)
@given(st.lists(samples, min_size=1, max_size=6), st.sampled_from([50.0, 90.0, 95.0, 99.0, 99.9]))
def test_percentiles_of_merged_shards_equal_those_of_all_samples_pooled(shards: list[list[int]], p: float) -> None:
    merged = Histogram()
    for shard in shards:
        merged.merge(Histogram.decode(Histogram.of(shard).encode()))
    pooled = Histogram.of(v for shard in shards for v in shard)
    assert merged.percentile_us(p) == pooled.percentile_us(p)
    assert merged.total_count == sum(len(s) for s in shards)
    # and within the histogram's precision of the exact percentile of the raw samples
    ordered = sorted(v for shard in shards for v in shard)
    exact = ordered[max(0, int(-(-len(ordered) * p // 100)) - 1)]
    assert abs(merged.percentile_us(p) - exact) <= max(1.0, exact * 0.004)


@given(samples, samples, samples)
def test_merge_is_associative_and_count_preserving(a: list[int], b: list[int], c: list[int]) -> None:
    left = Histogram.of(a)
    left.merge(Histogram.of(b))
    left.merge(Histogram.of(c))
    right_tail = Histogram.of(b)
    right_tail.merge(Histogram.of(c))
    right = Histogram.of(a)
    right.merge(right_tail)
    assert left.counts == right.counts
    assert left.total_count == right.total_count == len(a) + len(b) + len(c)


def test_averaging_percentiles_would_be_wrong_and_merging_is_not() -> None:
    fast = Histogram.of([1_000] * 990)  # a worker that saw only fast responses
    slow = Histogram.of([1_000_000] * 10)  # one that saw a few very slow ones
    averaged_p99 = (fast.percentile_us(99) + slow.percentile_us(99)) / 2
    merged = fast.copy()
    merged.merge(slow)
    assert merged.percentile_us(99) == pytest.approx(1_000, rel=0.01)  # 1 % of samples are slow: p99 is fast
    assert merged.percentile_us(99.5) == pytest.approx(1_000_000, rel=0.01)
    assert averaged_p99 == pytest.approx(500_500, rel=0.01)  # the defect other tools have
