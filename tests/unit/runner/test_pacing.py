"""The schedule's arithmetic: exactly the expected arrivals per phase, evenly spaced or following a
ramp's integral, workers interleaving into one schedule, seeded Poisson arrivals, closed-model ramps."""
from __future__ import annotations

import random

import pytest

from runner.pacing import (
    arrival_offset_s,
    arrivals_in_phase,
    split_evenly,
    user_windows,
    worker_arrival_offsets,
)


@pytest.mark.parametrize("start, end, duration, count", [
    (5, 5, 10, 50), (2.5, 2.5, 3, 8), (0, 10, 10, 50), (10, 0, 10, 50), (5, 40, 10, 225), (0.5, 0.5, 1, 1),
])
def test_a_phase_sends_exactly_its_expected_arrivals(start: float, end: float, duration: float, count: int) -> None:
    assert arrivals_in_phase(start, end, duration) == count
    offsets = list(worker_arrival_offsets(start, end, duration, 0, 1))
    assert len(offsets) == count
    assert offsets == sorted(offsets) and all(0 <= t < duration for t in offsets)


def test_a_constant_rate_is_evenly_spaced() -> None:
    assert list(worker_arrival_offsets(4, 4, 1, 0, 1)) == [0.0, 0.25, 0.5, 0.75]


def test_a_linear_ramp_follows_the_integral_of_its_rate() -> None:
    # rate 0 -> 10/s over 10 s: G(t) = t²/2, so arrival j is due at sqrt(2j)
    for j in (1, 8, 18, 32):
        assert arrival_offset_s(j, 0, 10, 10) == pytest.approx((2 * j) ** 0.5)


@pytest.mark.parametrize("workers", [1, 2, 3, 7, 16])
@pytest.mark.parametrize("start, end, duration", [(100, 100, 10), (33, 33, 7), (5, 40, 10), (40, 5, 5)])
def test_workers_interleave_into_exactly_the_requested_schedule(workers: int, start: float, end: float,
                                                                duration: float) -> None:
    together = sorted(t for w in range(workers) for t in worker_arrival_offsets(start, end, duration, w, workers))
    alone = list(worker_arrival_offsets(start, end, duration, 0, 1))
    assert together == alone


@pytest.mark.parametrize("total, parts", [(10, 3), (7, 7), (3, 5), (1000, 16), (0, 4)])
def test_remainders_are_spread_and_shares_sum_exactly(total: int, parts: int) -> None:
    shares = [split_evenly(total, parts, i) for i in range(parts)]
    assert sum(shares) == total
    assert max(shares) - min(shares) <= 1


def test_poisson_arrivals_are_seeded_and_keep_the_mean_rate() -> None:
    one = list(worker_arrival_offsets(100, 100, 100, 0, 1, poisson=True, rng=random.Random(5)))
    two = list(worker_arrival_offsets(100, 100, 100, 0, 1, poisson=True, rng=random.Random(5)))
    assert one == two
    assert 9_500 < len(one) < 10_500  # 10,000 expected; Poisson sd is 100
    gaps = [b - a for a, b in zip(one, one[1:], strict=False)]
    assert max(gaps) > 5 * min(gaps)  # not evenly spaced


@pytest.mark.parametrize("start, end, expected", [
    (3, 3, [(0, 10), (0, 10), (0, 10)]),
    (0, 4, [(0, 10), (2.5, 10), (5, 10), (7.5, 10)]),
    (4, 2, [(0, 10), (0, 10), (0, 5), (0, 0)]),
])
def test_closed_model_users_ramp_linearly(start: int, end: int, expected: list[tuple[float, float]]) -> None:
    assert user_windows(start, end, 10) == expected
