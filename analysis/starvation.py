"""A starved load generator: its event loop ran late (arrivals late or shed), so it also read
answers late and let requests time out that the target may have answered in time. A failing
latency or error threshold is then judged against what the generator could have changed: it is
the generator's (INCONCLUSIVE) when it would hold without the generator's own lag. Latency in ms.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

from analysis.histogram import Histogram
from analysis.merge import MergedRun
from analysis.stats import EndpointStats
from analysis.thresholds import OPERATORS, Threshold, format_measured, measure

TIMEOUT = "timeout"  # the error class of a request that got no answer within its timeout


@dataclass(frozen=True)
class Starvation:
    intended: int  # arrivals the schedule asked for
    late: int  # started later than the lag tolerance
    shed: int  # never started: overdue by more than a second
    lag: Histogram  # schedule lag, µs
    starved_seconds: frozenset[int]  # run seconds with a late or shed arrival (or a late step)

    def describe(self) -> str:
        shed = f", {self.shed:,} shed" if self.shed else ""
        return (f"the load generator ran behind its own schedule ({self.late:,} of {self.intended:,} arrivals late"
                f"{shed}; schedule lag p99 {self.lag.percentile_us(99) / 1000:,.1f} ms): starved of CPU, it also "
                f"read the answers that late")


def starvation_of(run: MergedRun, max_late_share: float, max_dropped_share: float) -> Starvation | None:
    """The generator's starvation when it is beyond the health limits (late or shed arrivals), else None."""
    health = run.health
    if not health.intended:
        return None
    late_share, shed_share = health.late / health.intended, health.shed / health.intended
    if late_share <= max_late_share and shed_share <= max_dropped_share:
        return None
    seconds = frozenset(second for second, window in run.timeline.items()
                        if window.health.late or window.health.shed or window.health.late_steps)
    return Starvation(health.intended, health.late, health.shed, health.lag, seconds)


def latency_excuse(threshold: Threshold, measured_ms: float, from_send_ms: float | None,
                   starved: Starvation) -> str | None:
    """A latency ceiling that fails from the actual send too, but would hold without the
    generator's own lag at the same percentile: the generator's, not the target's."""
    if threshold.op not in ("<", "<=") or from_send_ms is None:
        return None
    lag_ms = starved.lag.percentile_us(threshold.percentile if threshold.percentile is not None else 50) / 1000
    if not OPERATORS[threshold.op](from_send_ms - lag_ms, threshold.limit):
        return None
    return (f"{threshold.label}: measured {format_measured('latency', measured_ms)} "
            f"({format_measured('latency', from_send_ms)} from the actual send), while {starved.describe()} "
            f"(p{threshold.percentile if threshold.percentile is not None else 50:g} "
            f"{format_measured('latency', lag_ms)}): without that lag it holds, so the target's part cannot be told "
            f"from the generator's; give the workers more CPU or use more workers")


def suspect_timeouts(run: MergedRun, starved: Starvation, timeout_s: float, seconds: range | None = None) -> int:
    """Timeouts of requests due in a second from which their wait (``timeout_s``) overlapped a
    second the generator was starved: it may not have read their answers in time."""
    reach = max(1, math.ceil(timeout_s))
    count = 0
    for second, window in run.timeline.items():
        if seconds is not None and second not in seconds:
            continue
        timeouts = sum(stats.errors.get(TIMEOUT, 0) for stats in window.endpoints.values())
        if timeouts and any(s in starved.starved_seconds for s in range(second, second + reach + 1)):
            count += timeouts
    return count


def errors_excuse(threshold: Threshold, stats: EndpointStats, duration_s: float, suspect: int,
                  starved: Starvation) -> str | None:
    """An error threshold that fails only with the timeouts the starved generator may have caused."""
    if threshold.metric not in ("error_rate", "errors") or threshold.op not in ("<", "<="):
        return None
    excused = min(suspect, stats.errors.get(TIMEOUT, 0))
    if not excused:
        return None
    without = replace(stats, errors={**stats.errors, TIMEOUT: stats.errors[TIMEOUT] - excused})
    measured, held = measure(threshold, stats, duration_s), measure(threshold, without, duration_s)
    if held is None or not OPERATORS[threshold.op](held, threshold.limit):
        return None
    return (f"{threshold.label}: measured {format_measured(threshold.metric, measured)}, {excused:,} of the errors "
            f"timeouts while {starved.describe()}: without them {format_measured(threshold.metric, held)}, so the "
            f"target's part cannot be told from the generator's; give the workers more CPU or use more workers")
