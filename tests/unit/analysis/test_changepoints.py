"""Change points on synthetic histories whose answer is known: E-divisive means with a permutation
test finds a step where it is, and nothing in noise alone."""
from __future__ import annotations

import random

from analysis.changepoints import change_points, energy_statistics


def noisy(level: float, runs: int, rng: random.Random, spread: float = 0.03) -> list[float]:
    return [level * (1 + rng.uniform(-spread, spread)) for _ in range(runs)]


def test_a_step_at_run_12_of_20_is_flagged_at_run_12() -> None:
    rng = random.Random(7)
    history = noisy(100.0, 11, rng) + noisy(130.0, 9, rng)  # runs 1-11 at 100 ms, runs 12-20 at 130 ms
    found = change_points(history, seed=1)
    assert [point.index + 1 for point in found] == [12]  # the run number, counted from 1
    assert found[0].p_value <= 0.05
    assert 0.25 < (found[0].relative_change or 0) < 0.35


def test_noise_alone_has_no_change_point() -> None:
    for seed in range(5):
        rng = random.Random(seed)
        assert change_points(noisy(100.0, 20, rng, spread=0.05), seed=seed) == []


def test_a_constant_history_has_none() -> None:
    assert change_points([50.0] * 20) == []


def test_two_steps_are_both_found() -> None:
    rng = random.Random(3)
    history = noisy(100.0, 10, rng) + noisy(150.0, 10, rng) + noisy(90.0, 10, rng)
    assert [point.index for point in change_points(history, seed=2)] == [10, 20]


def test_one_odd_run_is_not_a_level() -> None:
    rng = random.Random(11)
    history = noisy(100.0, 19, rng)
    history[9] = 400.0  # a single slow run
    assert change_points(history, seed=4) == []


def test_too_short_a_history_has_no_split() -> None:
    assert energy_statistics([1.0, 2.0, 3.0, 4.0, 5.0]) == []
    assert change_points([1.0, 9.0]) == []


def test_the_carried_sums_equal_the_definition() -> None:
    values = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0]
    n = len(values)
    for split, q in energy_statistics(values):
        left, right = values[:split], values[split:]
        m, k = len(left), len(right)
        cross = sum(abs(a - b) for a in left for b in right) * 2 / (m * k)
        within_left = sum(abs(a - b) for i, a in enumerate(left) for b in left[i + 1:]) / (m * (m - 1) / 2)
        within_right = sum(abs(a - b) for i, a in enumerate(right) for b in right[i + 1:]) / (k * (k - 1) / 2)
        assert abs(q - m * k / n * (cross - within_left - within_right)) < 1e-9
