"""The verdict policy: INCONCLUSIVE only where the load generator could have changed the answer
(the rule as docs/numbers.md's table states it), and the deciding reason first."""
from __future__ import annotations

import pytest

from analysis.histogram import Histogram
from analysis.merge import merge_shards
from analysis.result import explanation
from analysis.shard import Shard
from analysis.stats import EndpointStats, HealthStats, Window
from analysis.thresholds import Threshold
from analysis.verdict import HealthLimits, judge

P95 = Threshold("p95 < 50ms", "latency", 95.0, "<", 50.0)
ERRORS = Threshold("error_rate < 1%", "error_rate", None, "<", 0.01)
RPS = Threshold("rps >= 10", "rps", None, ">=", 10.0)


def run_of(requests: int = 770, errors: int = 0, latency_ms: float = 10.0, from_send_ms: float | None = None,
           intended: int | None = None, dropped: int = 0, late: int = 0, final: bool = True,
           planned: int = 1, interrupted: str | None = None) -> tuple[object, int]:
    """One worker's second: ``latency_ms`` from the intended send, ``from_send_ms`` from the actual one."""
    from_send_ms = latency_ms if from_send_ms is None else from_send_ms
    stats = EndpointStats(requests=requests, responses=requests, statuses={"200": requests - errors, "502": errors},
                          errors={"http_5xx": errors} if errors else {}, error_statuses={"502": errors} if errors else {},
                          latency=Histogram.of([int(latency_ms * 1000)] * requests),
                          latency_uncorrected=Histogram.of([int(from_send_ms * 1000)] * requests))
    health = HealthStats(intended=requests + dropped if intended is None else intended, dropped=dropped, late=late)
    return merge_shards([Shard("run", 0, 0, 0, {0: Window({"GET /": stats}, health=health)}, final, None,
                               interrupted=interrupted)]), planned


@pytest.mark.parametrize("case, run, thresholds, status", [
    # a busy CI host: 8 of 770 arrivals late (> 1 %) and 3 % 502s: the target failed under the load it got
    ("errors above the limit while some arrivals were late", run_of(errors=23, late=8), (ERRORS,), "FAIL"),
    ("errors above the limit while arrivals were dropped", run_of(errors=23, dropped=200), (ERRORS,), "FAIL"),
    ("errors above the limit while a worker went missing", run_of(errors=23, planned=2), (ERRORS,), "FAIL"),
    ("a slow target (slow from the actual send too) with arrivals late", run_of(latency_ms=90, late=50), (P95,), "FAIL"),
    ("latency that fails only from the intended send: the generator's lateness",
     run_of(latency_ms=90, from_send_ms=10, late=50), (P95,), "INCONCLUSIVE"),
    ("the same with no lateness beyond tolerance is still the generator's",
     run_of(latency_ms=90, from_send_ms=10), (P95,), "INCONCLUSIVE"),
    ("a pass on less load than planned", run_of(dropped=200), (ERRORS, P95), "INCONCLUSIVE"),
    ("a pass while arrivals were late", run_of(late=50), (ERRORS, P95), "INCONCLUSIVE"),
    ("a pass with a worker missing", run_of(planned=2), (ERRORS,), "INCONCLUSIVE"),
    ("throughput short because the generator dropped load", run_of(requests=5, dropped=200), (RPS,), "INCONCLUSIVE"),
    ("throughput short with the whole plan delivered", run_of(requests=5), (RPS,), "FAIL"),
    ("a healthy run that holds", run_of(), (ERRORS, P95, RPS), "PASS"),
    # kill -9 of squall: its workers stop and say so in their final shards (before: PASS, exit 0)
    ("a pass on a run cut short", run_of(interrupted="the squall process is gone"), (ERRORS, P95), "INCONCLUSIVE"),
    ("errors above the limit on a run cut short", run_of(errors=23, interrupted="the squall process is gone"),
     (ERRORS,), "FAIL"),
])
def test_the_verdict_rule(case: str, run: tuple[object, int], thresholds: tuple[Threshold, ...], status: str) -> None:
    merged, planned = run
    assert judge(merged, thresholds, 1.0, HealthLimits(), planned).status == status, case  # type: ignore[arg-type]


def test_a_fail_says_the_target_s_failure_first_then_what_the_generator_got_wrong() -> None:
    merged, _ = run_of(errors=23, late=8)
    verdict = judge(merged, (ERRORS,), 1.0, HealthLimits(), 1)  # type: ignore[arg-type]
    assert verdict.explanation[0] == "error_rate < 1%: measured 2.99 %"
    assert "8 arrivals (1.04%) started more than 50 ms late" in verdict.explanation[1]


def test_an_inconclusive_latency_says_both_measurements_first() -> None:
    merged, _ = run_of(latency_ms=90, from_send_ms=10, late=50)
    verdict = judge(merged, (P95, ERRORS), 1.0, HealthLimits(), 1)  # type: ignore[arg-type]
    assert verdict.reasons == ()
    assert verdict.explanation[0] == ("p95 < 50ms: measured 90.00 ms from the intended send but 10.00 ms from the "
                                      "actual send: the difference is the load generator's own lateness, not the "
                                      "target's")
    assert verdict.outcomes[0].measured_from_send == 10.0


def test_a_run_cut_short_says_so_first_with_how_far_it_got() -> None:
    merged, _ = run_of(interrupted="the squall process that ran it (pid 7) ended without stopping the run")
    verdict = judge(merged, (ERRORS,), 15.0, HealthLimits(), 1, planned_s=600.0)  # type: ignore[arg-type]
    assert verdict.explanation[0].startswith("the run was cut short after 15 s of 600 s planned: the squall process "
                                             "that ran it (pid 7) ended without stopping the run (1 worker stopped")
    stopped = judge(merged, (ERRORS,), 15.0, HealthLimits(), 1, stopped=True, planned_s=600.0)  # type: ignore[arg-type]
    assert stopped.status == "STOPPED" and stopped.generator_problems == ()  # a stop someone asked for is not a cut


def starved_run(latency_ms: float, from_send_ms: float, lag_ms: float, timeouts: int = 0, requests: int = 1000,
                late: int = 400) -> object:
    """A worker starved of CPU (a small quota): 40 % of its arrivals late by ``lag_ms``, and its
    answers read as late (``from_send_ms``); ``timeouts`` of its requests timed out."""
    stats = EndpointStats(requests=requests, responses=requests - timeouts, statuses={"200": requests - timeouts},
                          errors={"timeout": timeouts} if timeouts else {},
                          latency=Histogram.of([int(latency_ms * 1000)] * requests),
                          latency_uncorrected=Histogram.of([int(from_send_ms * 1000)] * requests))
    health = HealthStats(intended=requests, late=late, lag=Histogram.of([int(lag_ms * 1000)] * requests))
    return merge_shards([Shard("run", 0, 0, 0, {0: Window({"GET /": stats}, health=health)}, True, None)])


@pytest.mark.parametrize("case, run, thresholds, status", [
    # a 1 ms target read by a starved event loop: the loop's lag is in every answer's time
    ("latency that holds without the starved generator's lag", starved_run(331, 300, 295), (P95,), "INCONCLUSIVE"),
    ("a target slower than the generator's lag explains", starved_run(331, 300, 100), (P95,), "FAIL"),
    ("latency with a late generator within its limits is the target's", starved_run(331, 300, 295, late=5),
     (P95,), "FAIL"),
    ("timeouts while the generator was starved", starved_run(20, 10, 5, timeouts=30), (ERRORS,), "INCONCLUSIVE"),
    ("errors that are not timeouts, while the generator was late",
     run_of(errors=23, late=50)[0], (ERRORS,), "FAIL"),
    ("timeouts with a healthy generator are the target's", starved_run(20, 10, 5, timeouts=30, late=0),
     (ERRORS,), "FAIL"),
])
def test_a_starved_generator_never_fails_the_target(case: str, run: object, thresholds: tuple[Threshold, ...],
                                                    status: str) -> None:
    verdict = judge(run, thresholds, 1.0, HealthLimits(), 1)  # type: ignore[arg-type]
    assert verdict.status == status, (case, verdict.explanation)
    if status == "INCONCLUSIVE":  # the generator's reason first, with what it measured
        assert "the load generator ran behind its own schedule (400 of 1,000 arrivals late" in verdict.explanation[0]


def test_results_written_before_the_explanation_existed_are_ordered_by_their_status() -> None:
    old = {"status": "FAIL", "reasons": ["p95 < 50ms: measured 90 ms"], "generator_problems": ["late"]}
    assert explanation(old) == ["p95 < 50ms: measured 90 ms", "late"]
    assert explanation({**old, "status": "INCONCLUSIVE"}) == ["late", "p95 < 50ms: measured 90 ms"]


def test_a_pause_between_slices_leaves_a_pass_inconclusive_and_a_fail_failed() -> None:
    """On AWS a slice the state machine started late leaves seconds without load that the run's
    stitched clock does not show: past a second it is named, with where and how long."""
    merged, _ = run_of()
    on_time = judge(merged, (ERRORS,), 1.0, HealthLimits(), 1, slices=1, slice_gaps=((1, 0.0), (2, 0.4)))  # type: ignore[arg-type]
    assert on_time.status == "PASS"
    paused = judge(merged, (ERRORS,), 1.0, HealthLimits(), 1, slice_gaps=((1, 0.0), (2, 23.4)))  # type: ignore[arg-type]
    assert paused.status == "INCONCLUSIVE"
    assert paused.explanation[0].startswith("the load paused between slices: slice 2 started 23.4 s after the previous "
                                            "one's schedule ended (23.4 s without load")
    failing, _ = run_of(errors=23)
    assert judge(failing, (ERRORS,), 1.0, HealthLimits(), 1, slice_gaps=((1, 23.4),)).status == "FAIL"  # type: ignore[arg-type]


def test_the_report_marks_a_pause_between_slices_on_every_chart() -> None:
    from analysis.reports.html import CHARTS_JS, chart_data
    from tests.report_fixture import report_result
    result = report_result()
    result["slices"] = [{"index": 0, "offset_s": 0.0, "duration_s": 5.0, "gap_s": None},
                        {"index": 1, "offset_s": 5.0, "duration_s": 5.0, "gap_s": 0.0},
                        {"index": 2, "offset_s": 10.0, "duration_s": 5.0, "gap_s": 3.25}]
    assert chart_data(result)["gaps"] == [{"x": 10.0, "s": 3.25}]
    assert "shapes: gapShapes, annotations: gapNotes" in CHARTS_JS  # in the layout every chart is drawn with


def _pool_waiting_run(cpu_s: float, wall_s: float) -> object:
    """770 requests, 700 of which waited more than the lag tolerance for one of the engine's connections."""
    merged, _ = run_of()
    merged.health.pool_waits = merged.health.pool_waits_late = 700  # type: ignore[attr-defined]
    merged.health.pool_wait = Histogram.of([60_000] * 700)  # type: ignore[attr-defined]
    merged.health.cpu_s, merged.health.wall_s = cpu_s, wall_s  # type: ignore[attr-defined]
    return merged


def test_requests_that_waited_for_a_connection_in_a_saturated_worker_name_its_cpu_not_the_connection_limit() -> None:
    # Measured (bench/peers.py's mix, one worker at 24,000 arrivals/s, 94 % of a core): 122,176 of 144,004
    # requests waited > 5 ms for a connection with 64 open of 1,024 allowed; the advice was to raise
    # limits.max_connections, which changes nothing: the worker could not read its answers sooner.
    busy = judge(_pool_waiting_run(cpu_s=9.4, wall_s=10.0), (ERRORS,), 1.0, HealthLimits(), 1)  # type: ignore[arg-type]
    idle = judge(_pool_waiting_run(cpu_s=2.0, wall_s=10.0), (ERRORS,), 1.0, HealthLimits(), 1)  # type: ignore[arg-type]
    assert busy.status == idle.status == "INCONCLUSIVE"
    assert "94 % of a core" in busy.generator_problems[0] and "more workers" in busy.generator_problems[0]
    assert "max_connections" not in busy.generator_problems[0]
    assert "max_connections" in idle.generator_problems[0] and "more workers" not in idle.generator_problems[0]
