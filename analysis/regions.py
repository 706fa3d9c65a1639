"""A run across several AWS regions: the shares of the load each region sends, the whole numbers
they split into, the regions' merges joined into one (histograms merged, never averaged), and
whether a region that sent nothing could have changed a threshold's answer.

A region's share is a fraction of the run's arrivals (open model) or users (closed model).
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from analysis.merge import MergedRun, WorkerReport, fold_window
from analysis.stats import EndpointStats, Window
from analysis.thresholds import OPERATORS, Threshold, error_rate, excluded_errors
from analysis.verdict import Outcome, Verdict, threshold_stats

# us-east-1, eu-west-3, ap-southeast-5, us-gov-west-1, il-central-1, mx-central-1 …
REGION_NAME = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d{1,2}$")
SHARE_TOLERANCE = 1e-6


def parse_shares(value: object) -> dict[str, float]:
    """The regions and their shares, as fractions summing to 1, in the order written.

    ``value``: a mapping of region to its percentage (``{us-east-1: 60%, eu-west-1: 40%}``, the
    ``%`` optional), a list of regions (equal shares), or the command line's text
    (``us-east-1=60,eu-west-1=40`` or ``us-east-1,eu-west-1``). ValueError names every problem."""
    pairs = _pairs(value)
    names = [name for name, _ in pairs]
    problems = _name_problems(names)
    given = [share for _, share in pairs if share is not None]
    if given and len(given) != len(pairs):
        problems.append("give every region its share, or none (equal shares)")
    percents = [_percent(name, share, problems) for name, share in pairs] if given else []
    problems += _total_problems(percents)
    if problems:
        raise ValueError("; ".join(problems))
    if not given:
        return {name: 1.0 / len(pairs) for name in names}
    return {name: float(p) / 100.0 for name, p in zip(names, percents, strict=True) if p is not None}


def _name_problems(names: list[str]) -> list[str]:
    problems = [f"{name!r} is not an AWS region name (e.g. us-east-1, eu-west-1)"
                for name in names if not REGION_NAME.match(name)]
    problems += [f"{name} is named twice" for name in sorted({n for n in names if names.count(n) > 1})]
    return problems + ([] if names else ["name at least one region"])


def _total_problems(percents: list[float | None]) -> list[str]:
    if not percents or any(p is None for p in percents):
        return []
    total = sum(p for p in percents if p is not None)
    return [f"the shares add up to {total:g}%, not 100%"] if abs(total - 100.0) > 0.01 else []


def _pairs(value: object) -> list[tuple[str, object]]:
    if isinstance(value, str):
        items = [item.strip() for item in value.split(",") if item.strip()]
        return [(name.strip(), share.strip() if sep else None)
                for name, sep, share in (item.partition("=") for item in items)]
    if isinstance(value, Mapping):
        return [(str(name), share) for name, share in value.items()]
    if isinstance(value, (list, tuple)):
        return [(str(name), None) for name in value]
    raise ValueError(f"expected a map of region to share (us-east-1: 60%) or a list of regions, got {type(value).__name__}")


def _percent(name: str, share: object, problems: list[str]) -> float | None:
    text = str(share).strip().removesuffix("%").strip()
    try:
        percent = float(text)
    except ValueError:
        problems.append(f"{name}: share {share!r} is not a percentage such as 60%")
        return None
    if not 0 < percent <= 100 or math.isnan(percent):
        problems.append(f"{name}: share {share!r} must be above 0% and at most 100%")
        return None
    return percent


def apportion(total: int, shares: Mapping[str, float]) -> dict[str, int]:
    """``total`` whole things (users, iterations, rows) split by the shares so that the parts add up
    to ``total`` exactly: each region its share rounded down, then one more to the largest
    remainders (Hamilton's method; ties to the region named first)."""
    exact = {name: total * share for name, share in shares.items()}
    parts = {name: math.floor(value + SHARE_TOLERANCE) for name, value in exact.items()}
    left = total - sum(parts.values())
    order = sorted(shares, key=lambda name: -(exact[name] - parts[name]))
    for name in order[:max(0, left)]:
        parts[name] += 1
    return parts


@dataclass(frozen=True)
class RegionPart:
    """One region's piece of a run: its merge and how many workers it planned."""

    region: str
    run: MergedRun
    workers: int


def join_runs(parts: list[RegionPart]) -> MergedRun:
    """Every region's merge in one: totals and every second's window merged (the runs share one
    start instant, so their seconds line up), the workers numbered on, region after region."""
    joined = MergedRun()
    offset = 0
    for part in parts:
        fold_window(joined, Window(endpoints=part.run.endpoints, scenarios=part.run.scenarios,
                                   health=part.run.health))
        for second, window in part.run.timeline.items():
            joined.timeline.setdefault(second, Window()).merge(window)
        for (slice_index, worker), report in part.run.workers.items():
            joined.workers[(slice_index, offset + worker)] = WorkerReport(
                report.shards, report.final, report.error, report.interrupted, report.process_exit_code)
        joined.duplicate_shards += part.run.duplicate_shards
        offset += part.workers
    return joined


def could_change(threshold: Threshold, stats: EndpointStats, missing_share: float, duration_s: float) -> bool:
    """Could the requests of a region that sent nothing (``missing_share`` of the run's load) have
    changed this threshold's answer on the requests the others sent? Bounds over everything those
    requests could have been: all fastest or all slowest, none or all failed. A percentile p of the
    whole lies between the present requests' quantiles (p - m) / (1 - m) and p / (1 - m)."""
    if missing_share <= 0:
        return False
    if missing_share >= 1 or stats.requests == 0:
        return True
    present = stats.requests
    missing = present * missing_share / (1 - missing_share)
    low, high = _bounds(threshold, stats, present, missing, missing_share, duration_s)
    test = OPERATORS[threshold.op]
    return low is None or high is None or test(low, threshold.limit) != test(high, threshold.limit)


def _bounds(threshold: Threshold, stats: EndpointStats, present: int, missing: float, missing_share: float,
            duration_s: float) -> tuple[float | None, float | None]:
    """The lowest and highest the whole run's value could have been; None: not bounded here."""
    if threshold.metric == "error_rate":
        errors = present * error_rate(stats, threshold.exclude_statuses)
        return errors / (present + missing), (errors + missing) / (present + missing)
    if threshold.metric in ("requests", "rps"):
        per = 1.0 if threshold.metric == "requests" else 1.0 / max(duration_s, 1e-9)
        return present * per, math.inf
    if threshold.metric == "errors":
        return float(stats.error_count - excluded_errors(stats, threshold.exclude_statuses)), math.inf
    if threshold.metric == "latency" and threshold.percentile is not None and stats.latency.total_count:
        p = threshold.percentile / 100
        low_q = max(0.0, (p - missing_share) / (1 - missing_share))
        high_q = p / (1 - missing_share)
        low = stats.latency.percentile_us(max(low_q * 100, 0.0)) / 1000 if low_q > 0 else 0.0
        high = stats.latency.percentile_us(high_q * 100) / 1000 if high_q <= 1 else math.inf
        return low, high
    return None, None  # a mean, a target's metric, a regression: not bounded here


@dataclass(frozen=True)
class MissingRegion:
    """A region whose part sent nothing: its stack missing, its execution refused or failed."""

    region: str
    share: float
    why: str


def judge_across_regions(joined: MergedRun, parts: list[RegionPart], thresholds: tuple[Threshold, ...],
                         missing: list[MissingRegion],
                         judge_one: Callable[[MergedRun, tuple[Threshold, ...], int, str | None], Verdict],
                         duration_s: float) -> Verdict:
    """One verdict for a run across regions: the run's thresholds judged on every region's requests
    together, a region's own on its requests alone, each region's generator judged on its own (a
    starved region is named, never diluted by the others); the regions that sent nothing named,
    and the run INCONCLUSIVE only when their share could have changed a must-threshold's answer.
    ``judge_one(run, thresholds, workers, region)``: analysis.verdict.judge with the run's limits
    (and, for a region, whether its part was stopped or aborted; None: the whole run)."""
    whole = judge_one(joined, tuple(t for t in thresholds if t.region is None), sum(p.workers for p in parts), None)
    regional = {part.region: judge_one(part.run, tuple(t for t in thresholds if t.region == part.region),
                                       part.workers, part.region) for part in parts}
    doubtful = _doubtful(whole, joined, sum(m.share for m in missing), duration_s)
    unmeasured = _of_missing_regions(thresholds, missing)
    return Verdict(_status_across(whole, regional, doubtful, any(o.threshold.severity == "must" for o in unmeasured)),
                   tuple(whole.outcomes) + tuple(o for v in regional.values() for o in v.outcomes) + unmeasured,
                   tuple(whole.reasons) + _each(regional, "reasons") +
                   tuple(f"{o.threshold.label}: nothing was measured ({o.threshold.region} sent nothing)"
                         for o in unmeasured if o.threshold.severity == "must"),
                   tuple(_missing_lines(missing, doubtful)) + (_each(regional, "generator_problems")
                                                              or whole.generator_problems),
                   tuple(whole.warnings) + _each(regional, "warnings"))


def _of_missing_regions(thresholds: tuple[Threshold, ...], missing: list[MissingRegion]) -> tuple[Outcome, ...]:
    """The thresholds naming a region that sent nothing: unmeasured."""
    gone = {m.region for m in missing}
    return tuple(Outcome(t, None, "NO_DATA") for t in thresholds if t.region in gone)


def _each(regional: Mapping[str, Verdict], field: str) -> tuple[str, ...]:
    """Every region's reasons (or problems, or warnings), each naming its region once."""
    return tuple(_in(region, line) for region, verdict in regional.items() for line in getattr(verdict, field))


def _doubtful(whole: Verdict, joined: MergedRun, missing_share: float, duration_s: float) -> list[Outcome]:
    """The run's must-thresholds whose answer the missing share could have changed."""
    return [o for o in whole.outcomes if o.threshold.severity == "must" and o.status in ("PASS", "FAIL")
            and could_change(o.threshold, threshold_stats(o.threshold, joined, duration_s) or EndpointStats(),
                             missing_share, duration_s)]


def _missing_lines(missing: list[MissingRegion], doubtful: list[Outcome]) -> list[str]:
    """Each region that sent nothing, and whether its share could have changed the answer."""
    could = f"; {', '.join(o.threshold.label for o in doubtful)} could have gone either way with it" \
        if doubtful else "; the answer stands without it"
    return [f"{gone.region} sent nothing ({gone.why}): its {gone.share:.0%} of the load is missing{could}"
            for gone in missing]


def _in(region: str, reason: str) -> str:
    """A region's reason, naming the region once (a region's threshold names it in its label)."""
    return reason if f" in {region}" in reason.split(":")[0] else f"{region}: {reason}"


def _status_across(whole: Verdict, regional: Mapping[str, Verdict], doubtful: list[Outcome], unjudged: bool) -> str:
    """The run's status: ABORTED or STOPPED as any part was; FAIL when a threshold failed for sure
    (a region's own, or a run's the missing share could not have saved); INCONCLUSIVE when a
    generator, a missing share or a missing region's own threshold leaves the answer open; else PASS."""
    statuses = [whole.status, *(v.status for v in regional.values())]
    for decided in ("ABORTED", "STOPPED"):
        if decided in statuses:
            return decided
    surely_failed = whole.status == "FAIL" and any(
        o.status == "FAIL" and o.threshold.severity == "must" and all(o is not d for d in doubtful)
        for o in whole.outcomes)
    if surely_failed or any(v.status == "FAIL" for v in regional.values()):
        return "FAIL"
    if doubtful or unjudged or "INCONCLUSIVE" in statuses:
        return "INCONCLUSIVE"
    return "PASS"
