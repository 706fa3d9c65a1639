"""Abort rules: a threshold with ``abort: true`` stops the run once it has been broken for
``for`` seconds without a break, not counting the first ``after`` seconds. Judged second by
second on the merged live timeline (each second's histograms, never averaged percentiles).
Pure: the caller decides which seconds are complete."""
from __future__ import annotations

from dataclasses import dataclass

from analysis.stats import EndpointStats, Window
from analysis.thresholds import OPERATORS, Threshold, format_measured, measure


@dataclass(frozen=True)
class AbortRule:
    threshold: Threshold
    for_s: float = 0.0
    after_s: float = 0.0


@dataclass(frozen=True)
class AbortDecision:
    rule: str
    measured: str
    second: int  # run second at which the breach had lasted long enough

    def describe(self) -> str:
        return f"aborted at {self.second} s: {self.rule} was broken (measured {self.measured})"

    def to_dict(self) -> dict[str, object]:
        return {"rule": self.rule, "measured": self.measured, "second": self.second, "reason": self.describe()}


def _second_stats(window: Window | None, endpoint: str | None) -> EndpointStats:
    stats = EndpointStats()
    if window is not None:
        for name, endpoint_stats in window.endpoints.items():
            if endpoint is None or name == endpoint:
                stats.merge(endpoint_stats)
    return stats


def check_abort(rules: tuple[AbortRule, ...], timeline: dict[int, Window], last_complete_second: int) -> \
        AbortDecision | None:
    for rule in rules:
        threshold = rule.threshold
        breach_start: int | None = None
        for second in range(int(rule.after_s), last_complete_second + 1):
            stats = _second_stats(timeline.get(second), threshold.endpoint)
            value = measure(threshold, stats, 1.0) if stats.requests else None
            broken = value is not None and not OPERATORS[threshold.op](value, threshold.limit)
            if not broken:
                breach_start = None
                continue
            breach_start = second if breach_start is None else breach_start
            if second + 1 - breach_start >= max(rule.for_s, 1.0):
                return AbortDecision(threshold.label, format_measured(threshold.metric, value), second)
    return None
