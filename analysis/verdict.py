"""The verdict: every threshold with its measured value, and one overall outcome.

INCONCLUSIVE only where the load generator could have changed the answer:
- a run that passes on less load than planned (dropped, cut, late, missing workers, cut short
  because the squall process that ran it was killed) is INCONCLUSIVE;
- a must-threshold that fails on the load delivered (at or below plan) is FAIL: the target failed
  under no more than was asked, whatever the generator's own problems (listed after);
- a must-threshold that fails only because of the generator (a latency that passes measured from
  the actual send, or would pass without a starved generator's own lag; errors that are timeouts
  while it was starved; a throughput short because load was not sent) is INCONCLUSIVE.
STOPPED: ended early by the user; ABORTED: an abort rule stopped it. ``explanation`` puts the
deciding reason first.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from analysis.merge import MergedRun
from analysis.regression import compared_text, measure_regression, regression_values
from analysis.shard import ALL_ENDPOINTS
from analysis.starvation import Starvation, errors_excuse, latency_excuse, starvation_of, suspect_timeouts
from analysis.stats import EndpointStats
from analysis.target import TargetMetrics
from analysis.target_thresholds import measure_target
from analysis.thresholds import OPERATORS, Threshold, format_measured, measure


@dataclass(frozen=True)
class HealthLimits:
    max_dropped_share: float = 0.001  # of intended arrivals
    max_late_share: float = 0.01  # arrivals sent later than the lag tolerance
    lag_tolerance_ms: float = 50.0
    min_worker_share: float = 1.0  # of planned workers that must report a final shard


@dataclass(frozen=True)
class Outcome:
    threshold: Threshold
    measured: float | None
    status: str  # PASS, WARN, FAIL, NO_DATA
    samples: int = 0  # a latency threshold: the timed requests it was read from
    error_samples: int = 0  # of those, requests that failed (timeouts count with their full wait)
    measured_from_send: float | None = None  # a latency threshold: read from the actual send (ms)
    compared: str = ""  # a regression threshold: both values and the baseline run ("80 ms vs 72 ms in X")

    @property
    def measured_text(self) -> str:
        kind = self.threshold.target.kind if self.threshold.target else \
            (self.threshold.regression.unit if self.threshold.regression else None)
        text = format_measured(self.threshold.metric, self.measured, kind)
        return f"{text} ({self.compared})" if self.compared and self.measured is not None else text


@dataclass(frozen=True)
class Verdict:
    status: str
    outcomes: tuple[Outcome, ...]
    reasons: tuple[str, ...]
    generator_problems: tuple[str, ...]
    warnings: tuple[str, ...] = ()  # should-thresholds that broke: they never decide the verdict

    @property
    def explanation(self) -> tuple[str, ...]:
        """Every reason, the one that decided the verdict first."""
        return in_order(self.status, self.reasons, self.generator_problems)


def in_order(status: str, reasons: tuple[str, ...] | list[str], problems: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """INCONCLUSIVE is decided by the generator's problems; every other verdict by its reasons
    (the thresholds that failed, the abort rule), the generator's problems following."""
    first, then = (problems, reasons) if status == "INCONCLUSIVE" else (reasons, problems)
    return (*first, *then)


def phase_stats(run: MergedRun, first_second: int, end_second: int) -> EndpointStats:
    """Every request of the seconds [first, end) of the run, merged (a compact window's "*"
    aggregate where there is one)."""
    merged = EndpointStats()
    for second in range(first_second, end_second):
        window = run.timeline.get(second)
        if window is None:
            continue
        if ALL_ENDPOINTS in window.endpoints:
            merged.merge(window.endpoints[ALL_ENDPOINTS])
        else:
            for stats in window.endpoints.values():
                merged.merge(stats)
    return merged


def threshold_seconds(threshold: Threshold, duration_s: float) -> range | None:
    """The run seconds a phase's threshold reads, or None (the whole run)."""
    if threshold.window_s is None:
        return None
    start_s, end_s = threshold.window_s
    return range(int(start_s), int(min(end_s, duration_s) + 0.999))


def threshold_stats(threshold: Threshold, run: MergedRun, duration_s: float) -> EndpointStats | None:
    """The requests a threshold on the run's own requests reads (an endpoint's, a phase's, or all)."""
    seconds = threshold_seconds(threshold, duration_s)
    if seconds is not None:
        return phase_stats(run, seconds.start, seconds.stop)
    return run.endpoints.get(threshold.endpoint) if threshold.endpoint else run.overall


def _regression(threshold: Threshold, run: MergedRun, duration_s: float,
                baseline: dict[str, Any] | None) -> tuple[float | None, str]:
    """A regression threshold's measure, and both values it came from with the baseline run named."""
    current = run.endpoints.get(threshold.endpoint) if threshold.endpoint else run.overall
    values = regression_values(threshold, current, duration_s, baseline)
    compared = compared_text(threshold, values, str(baseline.get("run_id", "the baseline"))) \
        if values is not None and baseline is not None else ""
    return measure_regression(threshold, current, duration_s, baseline), compared


def judge_threshold(threshold: Threshold, run: MergedRun, duration_s: float,
                    target: TargetMetrics | None = None, baseline: dict[str, Any] | None = None) -> Outcome:
    stats = None
    measured: float | None
    compared = ""
    if threshold.metric == "exceptions":  # raised inside a locustfile's tasks: the run's, not an endpoint's
        measured = float(sum(run.health.exceptions.values()))
    elif threshold.target is not None:
        measured = measure_target(threshold.target, target)
    elif threshold.regression is not None:
        measured, compared = _regression(threshold, run, duration_s, baseline)
    elif threshold.window_s is not None:  # one phase's seconds
        start_s, end_s = threshold.window_s
        stats = threshold_stats(threshold, run, duration_s)
        assert stats is not None
        measured = measure(threshold, stats, max(1e-9, min(end_s, duration_s) - start_s)) if stats.requests else None
    else:
        stats = threshold_stats(threshold, run, duration_s)
        measured = measure(threshold, stats, duration_s) if stats is not None else None
    samples = errors = 0
    from_send = None
    if threshold.metric == "latency" and stats is not None:
        samples, errors = stats.latency.total_count, stats.error_count
        if stats.latency_uncorrected.total_count:
            from_send = measure(threshold, replace(stats, latency=stats.latency_uncorrected), duration_s)
    if measured is None:
        return Outcome(threshold, None, "NO_DATA")
    status = "PASS" if OPERATORS[threshold.op](measured, threshold.limit) else \
        "FAIL" if threshold.severity == "must" else "WARN"
    return Outcome(threshold, measured, status, samples, errors, from_send, compared)


def generators_doing(outcome: Outcome, load_short: bool) -> str | None:
    """Why a failed threshold may be the load generator's failure rather than the target's, or
    None when the target failed it (the load delivered was at or below plan, so more load
    could only have made it worse)."""
    threshold = outcome.threshold
    if threshold.metric == "latency" and outcome.measured_from_send is not None and \
            OPERATORS[threshold.op](outcome.measured_from_send, threshold.limit):
        return (f"{threshold.label}: measured {outcome.measured_text} from the intended send but "
                f"{format_measured('latency', outcome.measured_from_send)} from the actual send: the difference is the "
                f"load generator's own lateness, not the target's")
    volume = threshold.metric in ("rps", "requests") or (
        threshold.regression is not None and threshold.regression.metric == "rps")
    if volume and threshold.op in (">", ">=", "==") and load_short:
        return (f"{threshold.label}: measured {outcome.measured_text} while the load generator sent less than "
                f"planned: the shortfall is the generator's, not the target's")
    return None


def starved_doing(outcome: Outcome, run: MergedRun, duration_s: float, starved: Starvation | None,
                  request_timeout_s: float) -> str | None:
    """Why a failed latency or error threshold may be a starved generator's (analysis.starvation)."""
    threshold = outcome.threshold
    if starved is None or outcome.measured is None or threshold.target is not None or threshold.regression is not None:
        return None
    if threshold.metric == "latency":
        return latency_excuse(threshold, outcome.measured, outcome.measured_from_send, starved)
    stats = threshold_stats(threshold, run, duration_s)
    if stats is None:
        return None
    seconds = threshold_seconds(threshold, duration_s)
    suspect = suspect_timeouts(run, starved, request_timeout_s, seconds)
    return errors_excuse(threshold, stats, duration_s if seconds is None else max(1e-9, len(seconds)), suspect,
                         starved)


SLICE_GAP_TOLERANCE_S = 1.0  # a pause in the schedule between two slices past this leaves the run short of load
# Workers busy this share of a core or more over the run, on average: requests that waited for a connection
# waited for the worker to read the answers that would free one, not for the connection limit (measured: a
# worker at 94 % had 64 connections open of 1,024 allowed; its pool grows only while it has CPU to spare).
BUSY_CPU_SHARE = 0.8


def generator_problems(run: MergedRun, limits: HealthLimits, planned_workers: int, slices: int = 1,
                       rejected_shards: tuple[str, ...] = (),
                       slice_gaps: tuple[tuple[int, float], ...] = (),
                       worker_failures: Mapping[tuple[int, int], str] | None = None) -> list[str]:
    problems: list[str] = [f"shard rejected, its data is missing: {reason}" for reason in rejected_shards]
    paused = [(index, gap_s) for index, gap_s in slice_gaps if gap_s > SLICE_GAP_TOLERANCE_S]
    if paused:
        problems.append("the load paused between slices: " + "; ".join(
            f"slice {index} started {gap_s:,.1f} s after the previous one's schedule ended" for index, gap_s in paused)
            + f" ({sum(g for _, g in paused):,.1f} s without load, marked on the report's charts: the state machine "
              f"started the slice late)")
    problems += _schedule_problems(run.health, limits) + _request_problems(run, limits)
    missing = missing_workers(run, planned_workers, slices, worker_failures)
    planned = planned_workers * slices
    if planned and planned - len(missing) < planned * limits.min_worker_share:
        problems.append(f"{len(missing)} of {planned} workers did not finish: " + "; ".join(missing))
    return problems


def _schedule_problems(health: Any, limits: HealthLimits) -> list[str]:
    """The open model's arrivals: dropped (and why), cut by the time budget, late."""
    problems: list[str] = []
    if not health.intended:
        return problems
    dropped_share = health.dropped / health.intended
    if dropped_share > limits.max_dropped_share:
        capped = health.dropped - health.skipped_late_start - health.shed
        causes = ([f"{capped:,} because the in-flight cap was reached (raise limits.max_in_flight, or the target "
                   f"is too slow to measure at this rate)"] if capped else []) + \
            ([f"{health.shed:,} shed because the load generator could not start them within a second of their "
              f"time (saturated: use more workers)"] if health.shed else []) + \
            ([f"{health.skipped_late_start:,} skipped because a worker started later than the lag tolerance "
              f"(a cold start or the Map still launching: a longer start margin gives them time)"]
             if health.skipped_late_start else [])
        problems.append(f"{health.dropped:,} of {health.intended:,} arrivals dropped ({dropped_share:.2%}): "
                        + "; ".join(causes))
    if health.cut:
        problems.append(
            f"{health.cut:,} of {health.intended:,} planned arrivals were never sent: a worker had to stop before "
            f"its planned end (the Lambda time budget ran out: a shorter --slice or limits.drain leaves room); "
            f"the run had less load than planned")
    late_share = health.late / health.intended
    if late_share > limits.max_late_share:
        problems.append(
            f"{health.late:,} arrivals ({late_share:.2%}) started more than "
            f"{limits.lag_tolerance_ms:g} ms late (schedule lag p99 "
            f"{health.lag.percentile_us(99) / 1000:.1f} ms): the load generator fell behind its schedule "
            f"(saturated: use more workers; or its workers started late)")
    return problems


def _request_problems(run: MergedRun, limits: HealthLimits) -> list[str]:
    """Requests the generator refused, stalled, never sent, queued for a connection or cancelled."""
    problems: list[str] = []
    health = run.health
    if health.refused_hosts:
        refused = ", ".join(f"{host} ({count:,})" for host, count in sorted(health.refused_hosts.items()))
        problems.append(f"requests to hosts outside the allowed list were refused, never sent: {refused} (allow them "
                        f"with limits.allowed_hosts or --allow-host locally, squall:allowedHosts on AWS)")
    requests = run.overall.requests
    if requests and health.late_steps / requests > limits.max_late_share:
        problems.append(f"{health.late_steps:,} steps after a think started more than {limits.lag_tolerance_ms:g} ms "
                        f"after they were due: the load generator stalled (their latency counts from when they were "
                        f"due)")
    if health.not_sent and health.not_sent / (requests + health.not_sent) > limits.max_dropped_share:
        problems.append(f"{health.not_sent:,} requests were never sent: each waited its whole timeout for a connection "
                        f"(p99 wait {health.pool_wait.percentile_us(99) / 1000:,.1f} ms), the load generator's limit "
                        f"(limits.max_connections, or its CPU), not the target's; the run had less load than planned "
                        f"and they count nowhere else")
    if requests and health.pool_waits_late / requests > limits.max_late_share:
        busy = health.cpu_s / health.wall_s if health.wall_s > 0 else 0.0
        cause = (f"its CPU ({busy * 100:.0f} % of a core busy over the run: the answers waited to be read; use more workers)"
                 if busy >= BUSY_CPU_SHARE else "its connection limit (raise limits.max_connections)")
        problems.append(f"{health.pool_waits_late:,} requests waited more than {limits.lag_tolerance_ms:g} ms for a "
                        f"connection (p99 wait {health.pool_wait.percentile_us(99) / 1000:,.1f} ms): the load "
                        f"generator's limit, not the target: {cause}; those requests were sent that late, and the "
                        f"waits are kept out of the latency")
    cancelled = run.overall.errors.get("cancelled", 0)
    if requests and cancelled / requests > limits.max_dropped_share:
        problems.append(f"{cancelled:,} requests ({cancelled / requests:.2%}) were still unanswered when the drain "
                        f"ended: cancelled and timed at what they had waited (at least that long); give them a longer "
                        f"limits.drain, or the target is slower than this run allows")
    return problems


def cut_short(run: MergedRun, measured_s: float, planned_s: float | None) -> str | None:
    """Why the run ended before its plan did with no stop flag set (its workers' final shards say:
    the squall process that ran it was killed, a worker was sent a signal), or None."""
    why = sorted({report.interrupted for report in run.workers.values() if report.interrupted})
    if not why:
        return None
    workers = sum(1 for report in run.workers.values() if report.interrupted)
    planned = f" of {planned_s:,.0f} s planned" if planned_s is not None else ""
    return (f"the run was cut short after {measured_s:,.0f} s{planned}: {'; '.join(why)} ({workers} worker"
            f"{'s' if workers != 1 else ''} stopped unasked); what was measured until then is kept, on less load "
            f"than planned")


def missing_workers(run: MergedRun, planned_workers: int, slices: int = 1,
                    failures: Mapping[tuple[int, int], str] | None = None) -> list[str]:
    """Each planned worker (of each slice) without a clean final shard, and what became of it
    (``failures``: on AWS, why its invocation failed, as the state machine caught it)."""
    missing = []
    for slice_index in range(slices):
        for worker in range(planned_workers):
            report = run.workers.get((slice_index, worker))
            where = f"worker {worker}" + (f" of slice {slice_index}" if slices > 1 else "")
            failure = (failures or {}).get((slice_index, worker))
            if failure is not None and (report is None or not report.final):
                missing.append(f"{where} {failure}" + (f" after {report.shards} shards (its results so far count)"
                                                       if report is not None else ", before sending anything"))
            elif report is None:
                missing.append(f"{where} sent no results")
            elif report.error:
                missing.append(f"{where} failed: {report.error}")
            elif not report.final:
                missing.append(f"{where} stopped reporting after {report.shards} shards (its results so far count)")
    return missing


# complexity: the verdict rule of docs/numbers.md in its order; each step already a function
def judge(
    run: MergedRun,
    thresholds: tuple[Threshold, ...],
    duration_s: float,
    limits: HealthLimits,
    planned_workers: int,
    stopped: bool = False,
    target: TargetMetrics | None = None,
    baseline: dict[str, Any] | None = None,
    baseline_problem: str | None = None,
    slices: int = 1,
    rejected_shards: tuple[str, ...] = (),
    aborted: str | None = None,
    incomplete: str | None = None,
    slice_gaps: tuple[tuple[int, float], ...] = (),
    worker_failures: Mapping[tuple[int, int], str] | None = None,
    planned_s: float | None = None,
    request_timeout_s: float = 10.0,
) -> Verdict:
    """``incomplete``: why the run could not finish (its orchestration failed): INCONCLUSIVE.
    ``slice_gaps``: (slice, seconds) the schedule paused before each slice on AWS. ``planned_s``:
    the plan's duration, named when the run was cut short (``duration_s`` is then what it ran).
    ``request_timeout_s``: the target's timeout, how long a timeout could have overlapped a second
    in which the generator was starved."""
    outcomes = tuple(judge_threshold(t, run, duration_s, target, baseline) for t in thresholds)
    problems = generator_problems(run, limits, planned_workers, slices, rejected_shards, slice_gaps,
                                  worker_failures) if not stopped else []
    short = cut_short(run, duration_s, planned_s) if not stopped else None
    failed = [o for o in outcomes if o.status == "FAIL"]
    starved = starvation_of(run, limits.max_late_share, limits.max_dropped_share) if not stopped else None
    excuses = _excuses(failed, bool(problems) or bool(short), run, duration_s, starved, request_timeout_s)
    target_failed = [o for o in failed if id(o) not in excuses]
    no_baseline = f" ({baseline_problem})" if baseline_problem else " (no baseline run: `squall baseline set RUN_ID`)"
    reasons = [f"{o.threshold.label}: measured {o.measured_text}" for o in target_failed] + \
        _unmeasured(outcomes, "must", baseline, no_baseline)
    # should-thresholds never decide the verdict: listed apart, as warnings
    warnings = [f"{o.threshold.label}: measured {o.measured_text}" for o in outcomes if o.status == "WARN"] + \
        _unmeasured(outcomes, "should", baseline, no_baseline)
    # a failure that is the generator's decides nothing about the target: it is one of its problems; the
    # cut decides before anything measured on what was left
    problems = ([short] if short else []) + list(excuses.values()) + problems
    covered = [m for m in missing_workers(run, planned_workers, slices, worker_failures)
               if not any(m in p for p in problems)]
    reasons += [f"{m} (within limits.min_workers)" for m in covered] if not stopped else []
    must_unmeasured = any(o.status == "NO_DATA" and o.threshold.severity == "must" for o in outcomes)
    status = _status(run, aborted, incomplete, stopped, bool(target_failed), bool(problems) or must_unmeasured)
    if status == "ABORTED":
        reasons.insert(0, str(aborted))
    elif status == "INCONCLUSIVE" and incomplete:
        problems.insert(0, incomplete)
    elif status == "INCONCLUSIVE" and run.overall.requests == 0:
        problems.insert(0, "no request was sent")
    return Verdict(status, outcomes, tuple(reasons), tuple(problems), tuple(warnings))


def _excuses(failed: list[Outcome], load_short: bool, run: MergedRun, duration_s: float,
             starved: Starvation | None, request_timeout_s: float) -> dict[int, str]:
    """The failed thresholds that are the load generator's failure, not the target's, with why (by
    the outcome's id: two thresholds may be alike)."""
    found = {}
    for outcome in failed:
        why = generators_doing(outcome, load_short) or starved_doing(outcome, run, duration_s, starved,
                                                                      request_timeout_s)
        if why is not None:
            found[id(outcome)] = why
    return found


def _unmeasured(outcomes: tuple[Outcome, ...], severity: str, baseline: dict[str, Any] | None,
                no_baseline: str) -> list[str]:
    """The thresholds of this severity nothing measured (a regression's: why there was no baseline)."""
    return [f"{o.threshold.label}: nothing was measured" + (
        no_baseline if o.threshold.regression is not None and baseline is None else "")
        for o in outcomes if o.status == "NO_DATA" and o.threshold.severity == severity]


def _status(run: MergedRun, aborted: str | None, incomplete: str | None, stopped: bool, target_failed: bool,
            doubtful: bool) -> str:
    """The verdict, first rule that applies: an abort, a run that could not finish, a stop, no
    request sent, the target failing under no more load than planned (the generator's problems
    follow), the generator's problems or an unmeasured must-threshold, else PASS."""
    if aborted:
        return "ABORTED"
    if incomplete:
        return "INCONCLUSIVE"
    if stopped:
        return "STOPPED"
    if run.overall.requests == 0:
        return "INCONCLUSIVE"
    if target_failed:
        return "FAIL"
    return "INCONCLUSIVE" if doubtful else "PASS"
