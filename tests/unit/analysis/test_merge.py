from __future__ import annotations

import pytest

from analysis.histogram import Histogram
from analysis.merge import merge_shards
from analysis.shard import ALL_ENDPOINTS, Shard
from analysis.stats import EndpointStats, HealthStats, Window
from analysis.thresholds import Threshold
from analysis.verdict import HealthLimits, judge


def window(requests: int, latency_us: int, errors: int = 0, intended: int | None = None,
           dropped: int = 0, late: int = 0) -> Window:
    stats = EndpointStats(requests=requests, responses=requests, statuses={"200": requests - errors, "500": errors},
                          errors={"http_5xx": errors} if errors else {}, error_statuses={"500": errors} if errors else {},
                          latency=Histogram.of([latency_us] * requests),
                          latency_uncorrected=Histogram.of([latency_us] * requests))
    health = HealthStats(intended=requests if intended is None else intended, dropped=dropped, late=late)
    return Window(endpoints={"GET /": stats}, health=health)


def shard(worker: int, seq: int, windows: dict[int, Window], final: bool = True, error: str | None = None) -> Shard:
    return Shard("run", 0, worker, seq, windows, final, error)


P95 = Threshold("p95 < 50ms", "latency", 95.0, "<", 50.0)
ERRORS = Threshold("error_rate < 1%", "error_rate", None, "<", 0.01)
P99_SHOULD = Threshold("p99 < 5ms", "latency", 99.0, "<", 5.0, severity="should")


def test_shards_round_trip_through_their_dict_form() -> None:
    original = shard(3, 7, {0: window(10, 2_000), 1: window(5, 3_000, errors=1)})
    again = Shard.from_dict(original.to_dict(), "k")
    run_a, run_b = merge_shards([original]), merge_shards([again])
    assert run_b.overall.requests == run_a.overall.requests == 15
    assert run_b.overall.latency.counts == run_a.overall.latency.counts


def test_a_worker_cut_short_says_why_through_the_store_and_the_merge() -> None:
    original = shard(1, 0, {0: window(10, 2_000)})
    original.final, original.interrupted = True, "it was sent SIGTERM"
    assert Shard.from_dict(original.to_dict(), "k").interrupted == "it was sent SIGTERM"
    assert "interrupted" not in shard(0, 2, {}).to_dict()  # shards of whole runs are unchanged
    assert merge_shards([Shard.from_dict(original.to_dict(), "k")]).workers[(0, 1)].interrupted == "it was sent SIGTERM"


def test_a_shard_delivered_twice_counts_once() -> None:
    one = shard(0, 0, {0: window(10, 1_000)})
    run = merge_shards([one, Shard.from_dict(one.to_dict(), "again"), shard(1, 0, {0: window(4, 1_000)})])
    assert run.overall.requests == 14
    assert run.duplicate_shards == 1


def test_windows_of_the_same_second_from_several_workers_and_flushes_add_up() -> None:
    run = merge_shards([shard(0, 0, {2: window(3, 1_000)}, final=False), shard(0, 1, {2: window(4, 1_000)}),
                        shard(1, 0, {2: window(5, 9_000)})])
    assert run.timeline[2].endpoints[ALL_ENDPOINTS].requests == 12  # each second: its endpoints in one
    assert run.endpoints["GET /"].latency.total_count == 12


@pytest.mark.parametrize("name, shards, planned, status", [
    ("all thresholds hold", [shard(0, 0, {0: window(100, 10_000)})], 1, "PASS"),
    ("a must threshold fails", [shard(0, 0, {0: window(100, 90_000)})], 1, "FAIL"),
    ("only a should threshold fails", [shard(0, 0, {0: window(100, 10_000)})], 1, "PASS"),
    ("errors above 1 %", [shard(0, 0, {0: window(100, 10_000, errors=5)})], 1, "FAIL"),
    ("passing on arrivals dropped by the generator", [shard(0, 0, {0: window(100, 10_000, intended=200, dropped=100)})],
     1, "INCONCLUSIVE"),
    ("passing while the generator was late", [shard(0, 0, {0: window(100, 10_000, late=50)})], 1, "INCONCLUSIVE"),
    ("failing while the generator was late: the target's", [shard(0, 0, {0: window(100, 90_000, late=50)})], 1,
     "FAIL"),
    ("a worker never finished", [shard(0, 0, {0: window(100, 10_000)}), shard(1, 0, {0: window(1, 1)}, final=False)],
     2, "INCONCLUSIVE"),
    ("nothing was sent", [shard(0, 0, {})], 1, "INCONCLUSIVE"),
])
def test_verdicts(name: str, shards: list[Shard], planned: int, status: str) -> None:
    verdict = judge(merge_shards(shards), (P95, ERRORS, P99_SHOULD), 10.0, HealthLimits(), planned)
    assert verdict.status == status, verdict


def test_a_failed_threshold_is_reported_with_its_measured_value() -> None:
    verdict = judge(merge_shards([shard(0, 0, {0: window(100, 90_000)})]), (P95,), 10.0, HealthLimits(), 1)
    assert verdict.reasons == ("p95 < 50ms: measured 90.00 ms",)
    assert verdict.outcomes[0].status == "FAIL"


def test_a_crashed_worker_is_named_in_the_verdict() -> None:
    run = merge_shards([shard(0, 0, {0: window(10, 1_000)}), shard(1, 0, {0: window(10, 1_000)}, error="Boom: x")])
    verdict = judge(run, (), 10.0, HealthLimits(), 2)
    assert verdict.status == "INCONCLUSIVE"
    assert verdict.generator_problems == ("1 of 2 workers did not finish: worker 1 failed: Boom: x",)


@pytest.mark.parametrize("bad, message", [
    ({"format": 1, "slice": 0, "worker": -1, "seq": 0, "windows": {}}, "worker: expected an integer >= 0"),
    ({"format": 2}, "not a Squall shard"),
    ({"format": 1, "slice": 0, "worker": 0, "seq": 0, "windows": {"x": {}}}, "'x' is not a second"),
    ({"format": 1, "slice": 0, "worker": 0, "seq": 0,
      "windows": {"0": {"endpoints": {"GET /": {"requests": 1, "latency": "zz", "latency_uncorrected": "zz"}}}}},
     "malformed histogram"),
])
def test_a_malformed_shard_is_rejected_with_its_key(bad: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match="runs/r/shards/0/0/000001.json.gz") as caught:
        Shard.from_dict(bad, "runs/r/shards/0/0/000001.json.gz")
    assert message in str(caught.value)


def test_a_worker_that_stopped_reporting_is_named_and_its_shards_still_count() -> None:
    run = merge_shards([shard(0, 0, {0: window(10, 1_000)}), shard(1, 0, {0: window(7, 1_000)}, final=False)])
    assert run.overall.requests == 17
    verdict = judge(run, (), 10.0, HealthLimits(), 2)
    assert verdict.status == "INCONCLUSIVE"
    assert verdict.generator_problems == ("1 of 2 workers did not finish: worker 1 stopped reporting after 1 shards "
                                          "(its results so far count)",)
    lenient = judge(run, (), 10.0, HealthLimits(min_worker_share=0.5), 2)
    assert lenient.status == "PASS" and lenient.reasons == (
        "worker 1 stopped reporting after 1 shards (its results so far count) (within limits.min_workers)",)


def test_a_rejected_shard_makes_the_run_inconclusive() -> None:
    verdict = judge(merge_shards([shard(0, 0, {0: window(10, 1_000)})]), (), 10.0, HealthLimits(), 1,
                    rejected_shards=("runs/r/shards/0/0/000003.json.gz: not a readable shard",))
    assert verdict.status == "INCONCLUSIVE"
    assert verdict.generator_problems[0].startswith("shard rejected, its data is missing: runs/r/shards/0/0/000003")


def test_should_thresholds_are_warnings_apart_from_what_decided_the_verdict() -> None:
    run = merge_shards([shard(0, 0, {0: window(100, 90_000, errors=5)})])
    verdict = judge(run, (P95, P99_SHOULD), 10.0, HealthLimits(), 1)
    assert verdict.status == "FAIL"
    assert verdict.reasons == ("p95 < 50ms: measured 90.00 ms",)
    assert verdict.warnings == ("p99 < 5ms: measured 90.00 ms",)
    passing = judge(run, (P99_SHOULD,), 10.0, HealthLimits(), 1)
    assert passing.status == "PASS" and passing.reasons == () and len(passing.warnings) == 1


def test_a_latency_result_says_how_many_of_its_samples_were_errors() -> None:
    run = merge_shards([shard(0, 0, {0: window(100, 90_000, errors=5)})])
    [outcome] = judge(run, (P95,), 10.0, HealthLimits(), 1).outcomes
    assert (outcome.samples, outcome.error_samples) == (100, 5)
