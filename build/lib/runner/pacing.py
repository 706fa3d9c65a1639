"""When each arrival is due, and when each closed-model user is active: pure functions of
a phase's shape, with no clock.

Open model: a phase ramps linearly from ``start`` to ``end`` arrivals/s over ``duration_s``,
so the expected arrivals by time t are G(t) = start*t + (end-start)*t²/(2*duration_s).
Global arrival j is due at G⁻¹(j); worker w of W takes the arrivals j ≡ w (mod W), so the
workers' schedules interleave into exactly the requested one and their counts sum to it.
"""
from __future__ import annotations

import math
import random
from collections.abc import Iterator

_EPSILON = 1e-9


def expected_arrivals(start_per_s: float, end_per_s: float, duration_s: float) -> float:
    return (start_per_s + end_per_s) / 2 * duration_s


def arrivals_in_phase(start_per_s: float, end_per_s: float, duration_s: float, before: float = 0.0) -> int:
    """Arrivals a constant-pacing phase sends: the run's arrival J falls at the instant the run's
    expected count reaches J, so a phase that begins with ``before`` expected arrivals behind it
    sends every whole J in [before, before + its expected) — fractions carry across phases (200
    phases of 10 ms at 1/s send 2 arrivals, not one at the start of each)."""
    first = math.ceil(before - _EPSILON)
    return max(0, math.ceil(before + expected_arrivals(start_per_s, end_per_s, duration_s) - _EPSILON) - first)


def arrival_offset_s(j: float, start_per_s: float, end_per_s: float, duration_s: float) -> float:
    """G⁻¹(j): when, from the phase start, the expected arrival count reaches ``j``."""
    if j <= 0:
        return 0.0
    a = (end_per_s - start_per_s) / (2 * duration_s)
    b = start_per_s
    if a == 0:
        return j / b
    # The stable root of a*t² + b*t - j = 0 (no cancellation when a is small).
    return 2 * j / (b + math.sqrt(max(b * b + 4 * a * j, 0.0)))


def worker_arrival_offsets(
    start_per_s: float, end_per_s: float, duration_s: float,
    worker_index: int, workers: int,
    poisson: bool = False, rng: random.Random | None = None, before: float = 0.0,
) -> Iterator[float]:
    """Offsets (s, from the phase start, ascending) of this worker's arrivals; ``before``: the run's
    expected arrivals before this phase (constant pacing carries their fraction over)."""
    total = expected_arrivals(start_per_s, end_per_s, duration_s)
    if poisson:
        # Time rescaling: unit-rate exponential gaps mapped through G⁻¹ give a Poisson process
        # with intensity rate(t)/workers; the workers' processes superpose to rate(t).
        generator = rng or random.Random(worker_index)
        cumulative = generator.expovariate(1.0)
        while cumulative * workers < total:
            yield arrival_offset_s(cumulative * workers, start_per_s, end_per_s, duration_s)
            cumulative += generator.expovariate(1.0)
        return
    first = math.ceil(before - _EPSILON)  # the run's index of this phase's first arrival
    count = arrivals_in_phase(start_per_s, end_per_s, duration_s, before)
    # worker w sends the run's arrivals J = w, w + workers, ... (balanced across phases too)
    for j in range(first + (worker_index - first) % workers, first + count, workers):
        yield arrival_offset_s(max(0.0, j - before), start_per_s, end_per_s, duration_s)


def split_evenly(total: int, parts: int, index: int) -> int:
    """Part ``index`` of ``total`` split into ``parts`` whole shares that sum exactly to it."""
    return total // parts + (1 if index < total % parts else 0)


def user_windows(start_users: int, end_users: int, duration_s: float, spawn_rate_per_s: float | None = None,
                 first_index: int = 0, index_step: int = 1) -> list[tuple[float, float]]:
    """(start, stop) offsets, within the phase, of each user of a linearly ramped closed phase.

    On a ramp up, user k (from 0) starts when the ramp's target reaches k (so a ramp from 0
    starts its first user at once); on a ramp down it stops when the target falls below k + 1.
    With a spawn rate (Locust's): user k starts at k / rate, where k is the user's place among
    all workers' users (``first_index + i * index_step`` for this worker's i-th user).
    """
    if spawn_rate_per_s:
        return [(min((first_index + i * index_step) / spawn_rate_per_s, duration_s), duration_s)
                for i in range(end_users)]
    windows: list[tuple[float, float]] = []
    for k in range(max(start_users, end_users)):
        slope = end_users - start_users
        begin = 0.0 if start_users > k else (k - start_users) / slope * duration_s
        stop = duration_s if end_users > k else (start_users - k - 1) / -slope * duration_s
        windows.append((min(begin, duration_s), min(stop, duration_s)))
    return windows
