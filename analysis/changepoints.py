"""Change points in a run history: where a series of runs' figures (p95, error rate, achieved rate,
cost) steps to another level and stays there.

The method is E-divisive means (Matteson and James, "A Nonparametric Approach for Multiple Change
Point Analysis of Multivariate Data", JASA 2014), as MongoDB's performance CI runs it on its test
history (Daly et al., "The Use of Change Point Detection to Identify Software Performance
Regressions in a Continuous Integration System", ICPE 2020): the split of the series that maximizes
the energy distance between its two sides (alpha = 1) is a candidate; a permutation test keeps it
when fewer than ``significance`` of the series' shuffles split as well; then each side is searched
again. It assumes no distribution (latency figures are not normal) and no size of step.

Pure: the shuffles come from a ``random.Random`` seeded by the caller, so an answer is reproducible.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

PERMUTATIONS = 99  # the smallest p-value a change can have is 1 / (99 + 1) = 0.01
SIGNIFICANCE = 0.05  # Daly et al.'s p-value threshold
MIN_SEGMENT_RUNS = 3  # a side of a split holds at least this many runs: one odd run is not a level


@dataclass(frozen=True)
class ChangePoint:
    index: int  # the first run of the new level (0-based in the series)
    p_value: float
    mean_before: float  # the level of the segment before it, and of the one after it
    mean_after: float

    @property
    def relative_change(self) -> float | None:
        return (self.mean_after - self.mean_before) / self.mean_before if self.mean_before else None


def energy_statistics(values: list[float], min_size: int = MIN_SEGMENT_RUNS) -> list[tuple[int, float]]:
    """(split, Q) for every split that leaves ``min_size`` values on each side: Q is the scaled
    energy distance between values[:split] and values[split:] (Matteson and James's Q-hat with
    kappa at the end of the series). O(n^2): the sums are carried from one split to the next."""
    n = len(values)
    if n < 2 * min_size:
        return []
    distance = [[abs(a - b) for b in values] for a in values]
    total = sum(sum(row[i + 1:]) for i, row in enumerate(distance))
    left_within = 0.0
    cross = sum(distance[0][1:])  # split 1: values[0] against every other
    found: list[tuple[int, float]] = []
    for split in range(1, n - 1):
        if split > 1:  # move values[split-1] from the right side to the left
            moved = split - 1
            to_left = sum(distance[i][moved] for i in range(moved))
            to_right = sum(distance[moved][j] for j in range(moved + 1, n))
            left_within += to_left
            cross += to_right - to_left
        m, k = split, n - split
        if m < min_size or k < min_size:
            continue
        right_within = total - left_within - cross
        energy = 2.0 * cross / (m * k) - left_within / (m * (m - 1) / 2) - right_within / (k * (k - 1) / 2)
        found.append((split, m * k / n * energy))
    return found


def _best_split(values: list[float], min_size: int) -> tuple[int, float] | None:
    statistics = energy_statistics(values, min_size)
    return max(statistics, key=lambda item: item[1]) if statistics else None


def _significant(values: list[float], observed: float, rng: random.Random, permutations: int, min_size: int) -> float:
    """The permutation test's p-value: how often a shuffle of the same values splits as well."""
    shuffled = list(values)
    as_large = 0
    for _ in range(permutations):
        rng.shuffle(shuffled)
        best = _best_split(shuffled, min_size)
        if best is not None and best[1] >= observed:
            as_large += 1
    return (as_large + 1) / (permutations + 1)


def change_points(values: list[float], seed: int = 0, permutations: int = PERMUTATIONS,
                  significance: float = SIGNIFICANCE, min_size: int = MIN_SEGMENT_RUNS) -> list[ChangePoint]:
    """Every significant change point of the series, in order. A constant series has none."""
    rng = random.Random(seed)
    found: list[tuple[int, float]] = []  # (index in the whole series, p-value)
    pending = [(0, len(values))]
    while pending:
        start, end = pending.pop()
        segment = values[start:end]
        best = _best_split(segment, min_size)
        if best is None or best[1] <= 0:
            continue
        p_value = _significant(segment, best[1], rng, permutations, min_size)
        if p_value >= significance:
            continue
        found.append((start + best[0], p_value))
        pending += [(start, start + best[0]), (start + best[0], end)]
    found.sort()
    bounds = [0, *(index for index, _ in found), len(values)]
    means = [sum(values[a:b]) / (b - a) for a, b in zip(bounds, bounds[1:], strict=False)]
    return [ChangePoint(index, p_value, means[i], means[i + 1]) for i, (index, p_value) in enumerate(found)]
