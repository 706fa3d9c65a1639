"""A starved generator: found from late and shed arrivals past the limits, and a failing latency or
error threshold excused only when it would hold without the generator's own lag or timeouts."""
from __future__ import annotations

from analysis.histogram import Histogram
from analysis.merge import merge_shards
from analysis.shard import Shard
from analysis.starvation import errors_excuse, latency_excuse, starvation_of, suspect_timeouts
from analysis.stats import EndpointStats, HealthStats, Window
from analysis.thresholds import Threshold


def run_with(late_in: set[int], lag_us: int, timeouts_in: dict[int, int]):
    windows = {}
    for second in range(10):
        stats = EndpointStats(requests=100, responses=100 - timeouts_in.get(second, 0), statuses={"200": 100},
                              errors={"timeout": timeouts_in[second]} if second in timeouts_in else {},
                              latency=Histogram.of([20_000] * 100))
        windows[second] = Window(endpoints={"GET /": stats}, health=HealthStats(
            intended=100, late=50 if second in late_in else 0, lag=Histogram.of([lag_us] * 100)))
    return merge_shards([Shard("r", 0, 0, 0, windows, final=True)])


def test_starvation_is_past_the_limits_and_names_its_seconds() -> None:
    assert starvation_of(run_with(set(), 200, {}), 0.01, 0.01) is None
    starved = starvation_of(run_with({3, 4}, 200, {}), 0.01, 0.01)
    assert starved is not None and starved.starved_seconds == frozenset({3, 4}) and starved.late == 100
    assert "100 of 1,000 arrivals late" in starved.describe()


def test_a_latency_ceiling_is_excused_only_when_the_lag_explains_it() -> None:
    starved = starvation_of(run_with({3}, 40_000, {}), 0.01, 0.01)  # the schedule ran 40 ms late
    assert starved is not None
    p95 = Threshold("p95 < 50ms", "latency", 95.0, "<", 50.0)
    assert latency_excuse(p95, 70.0, 70.0, starved) is not None  # 70 - 40 = 30 ms: it holds without the lag
    assert latency_excuse(p95, 120.0, 120.0, starved) is None  # 120 - 40 = 80 ms: the target's
    assert latency_excuse(Threshold("p95 > 1ms", "latency", 95.0, ">", 1.0), 0.5, 0.5, starved) is None


def test_timeouts_near_a_starved_second_may_be_the_generators() -> None:
    run = run_with({5}, 200, {4: 3, 9: 2})  # timeouts due in second 4 (its wait spans 5) and in second 9
    starved = starvation_of(run, 0.01, 0.01)
    assert starved is not None
    assert suspect_timeouts(run, starved, timeout_s=1.0) == 3
    error_rate = Threshold("error_rate < 0.3%", "error_rate", None, "<", 0.003)
    overall = run.overall  # 5 timeouts of 1,000: 0.5 %; without the 3 suspect ones 0.2 %
    assert errors_excuse(error_rate, overall, 10.0, 3, starved) is not None
    assert errors_excuse(Threshold("error_rate < 0.1%", "error_rate", None, "<", 0.001), overall, 10.0, 3,
                         starved) is None
