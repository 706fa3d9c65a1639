"""A run across regions: shares read as users write them, whole numbers split exactly, regions'
merges joined with their histograms merged, and a missing region judged by what it could have
changed."""
from __future__ import annotations

import pytest

from analysis.histogram import Histogram
from analysis.merge import MergedRun, WorkerReport, fold_window
from analysis.regions import (
    MissingRegion,
    RegionPart,
    apportion,
    could_change,
    join_runs,
    judge_across_regions,
    parse_shares,
)
from analysis.stats import EndpointStats, Window
from analysis.thresholds import Threshold
from analysis.verdict import HealthLimits, Verdict, judge

P95 = Threshold("p95 < 50ms", "latency", 95.0, "<", 50.0)
ERRORS = Threshold("error_rate < 1%", "error_rate", None, "<", 0.01)
RPS = Threshold("rps >= 10", "rps", None, ">=", 10.0)


def test_shares_are_read_from_a_map_a_list_or_the_command_line() -> None:
    assert parse_shares({"us-east-1": "60%", "eu-west-1": "40%"}) == {"us-east-1": 0.6, "eu-west-1": 0.4}
    assert parse_shares({"us-east-1": 60, "eu-west-1": 40}) == {"us-east-1": 0.6, "eu-west-1": 0.4}
    assert parse_shares("us-east-1=60,eu-west-1=40") == {"us-east-1": 0.6, "eu-west-1": 0.4}
    assert parse_shares(["us-east-1", "eu-west-1"]) == {"us-east-1": 0.5, "eu-west-1": 0.5}
    assert list(parse_shares("ap-southeast-2, us-gov-west-1")) == ["ap-southeast-2", "us-gov-west-1"]


def test_every_problem_with_the_shares_is_named_at_once() -> None:
    with pytest.raises(ValueError) as error:
        parse_shares({"us-east-1": "60%", "europe": "30%", "eu-west-1": "abc"})
    message = str(error.value)
    assert "'europe' is not an AWS region name" in message
    assert "eu-west-1: share 'abc' is not a percentage" in message
    with pytest.raises(ValueError, match="add up to 90%, not 100%"):
        parse_shares("us-east-1=60,eu-west-1=30")
    with pytest.raises(ValueError, match="every region its share, or none"):
        parse_shares("us-east-1=60,eu-west-1")
    with pytest.raises(ValueError, match="us-east-1 is named twice"):
        parse_shares(["us-east-1", "us-east-1"])


@pytest.mark.parametrize(("total", "shares", "parts"), [
    (5, {"a": 0.6, "b": 0.4}, {"a": 3, "b": 2}),
    (10, {"a": 1 / 3, "b": 1 / 3, "c": 1 / 3}, {"a": 4, "b": 3, "c": 3}),
    (1, {"a": 0.6, "b": 0.4}, {"a": 1, "b": 0}),
    (7, {"a": 0.5, "b": 0.25, "c": 0.25}, {"a": 3, "b": 2, "c": 2}),  # remainders .5, .75, .75
])
def test_whole_numbers_split_by_the_shares_add_up_exactly(total: int, shares: dict[str, float],
                                                           parts: dict[str, int]) -> None:
    assert apportion(total, shares) == parts
    assert sum(apportion(total, shares).values()) == total


def region_run(latencies_ms: list[int], errors: int = 0, workers: int = 1) -> MergedRun:
    run = MergedRun()
    stats = EndpointStats(requests=len(latencies_ms), responses=len(latencies_ms))
    for ms in latencies_ms:
        stats.latency.record(ms * 1000)
    if errors:
        stats.errors["http_500"] = errors
    window = Window(endpoints={"GET /": stats})
    fold_window(run, window)
    run.timeline[0] = window
    for worker in range(workers):
        run.workers[(0, worker)] = WorkerReport(shards=1, final=True)
    return run


def test_the_joined_run_s_percentiles_are_those_of_the_merged_histograms_not_an_average() -> None:
    fast, slow = [10] * 90, [200] * 60
    joined = join_runs([RegionPart("us-east-1", region_run(fast, workers=2), 2),
                        RegionPart("eu-west-1", region_run(slow), 1)])
    merged = Histogram()
    for ms in fast + slow:
        merged.record(ms * 1000)
    assert joined.overall.requests == 150
    assert joined.overall.latency.percentile_us(95) == merged.percentile_us(95)
    assert joined.endpoints["GET /"].latency.percentile_us(50) == merged.percentile_us(50)
    assert sorted(joined.workers) == [(0, 0), (0, 1), (0, 2)]  # numbered on, region after region
    assert joined.timeline[0].endpoints["GET /"].requests == 150


def test_a_missing_region_changes_nothing_when_the_present_ones_decide_either_way() -> None:
    far_over = region_run([500] * 100)  # p95 500 ms: even 40 % of the fastest requests leave p95 over 50 ms
    assert not could_change(P95, far_over.overall, 0.04, 10.0)
    borderline = region_run([10] * 94 + [60] * 6)  # p95 60 ms; 40 % more fast requests bring it under
    assert could_change(P95, borderline.overall, 0.4, 10.0)
    clean = region_run([10] * 1000)
    assert could_change(ERRORS, clean.overall, 0.4, 10.0)  # the missing 40 % could all have failed
    assert not could_change(ERRORS, region_run([10] * 100, errors=50).overall, 0.2, 10.0)  # 50 % already failed
    assert not could_change(RPS, clean.overall, 0.4, 10.0)  # 100/s sent: more requests only add to it
    assert could_change(RPS, clean.overall, 0.4, 1000.0)  # 1/s sent: the missing share might have made 10/s
    assert not could_change(P95, clean.overall, 0.0, 10.0)


def judge_one(run: MergedRun, thresholds: tuple[Threshold, ...], workers: int, region: str | None) -> Verdict:
    return judge(run, thresholds, 10.0, HealthLimits(), workers)


EAST_P95 = Threshold("p95 < 50ms", "latency", 95.0, "<", 50.0, region="us-east-1")
WEST_P95 = Threshold("p95 < 50ms", "latency", 95.0, "<", 50.0, region="eu-west-1")


def test_a_region_s_own_threshold_fails_on_that_region_alone_and_the_reason_names_it() -> None:
    east, west = region_run([10] * 150), region_run([10] * 40 + [200] * 60)
    parts = [RegionPart("us-east-1", east, 1), RegionPart("eu-west-1", west, 1)]
    joined = join_runs(parts)
    verdict = judge_across_regions(joined, parts, (ERRORS, EAST_P95, WEST_P95), [], judge_one, 10.0)
    assert verdict.status == "FAIL"
    assert verdict.reasons == ("p95 < 50ms in eu-west-1: measured 200 ms",)
    assert {o.threshold.label: o.status for o in verdict.outcomes} == {
        "error_rate < 1%": "PASS", "p95 < 50ms in us-east-1": "PASS", "p95 < 50ms in eu-west-1": "FAIL"}


def test_a_region_that_sent_nothing_leaves_the_run_open_only_if_its_share_could_change_the_answer() -> None:
    east = region_run([10] * 100, errors=50)
    parts = [RegionPart("us-east-1", east, 1)]
    gone = [MissingRegion("eu-west-1", 0.2, "stack Squall not found in eu-west-1")]
    failed = judge_across_regions(join_runs(parts), parts, (ERRORS,), gone, judge_one, 10.0)
    assert failed.status == "FAIL"  # 50 % errors: the missing 20 % could not bring it under 1 %
    assert failed.generator_problems[0] == ("eu-west-1 sent nothing (stack Squall not found in eu-west-1): its 20% "
                                            "of the load is missing; the answer stands without it")
    clean = [RegionPart("us-east-1", region_run([10] * 100), 1)]
    open_ = judge_across_regions(join_runs(clean), clean, (ERRORS,), gone, judge_one, 10.0)
    assert open_.status == "INCONCLUSIVE"  # the missing 20 % could all have failed
    assert "error_rate < 1% could have gone either way with it" in open_.generator_problems[0]
    scoped = judge_across_regions(join_runs(clean), clean, (WEST_P95,), gone, judge_one, 10.0)
    assert scoped.status == "INCONCLUSIVE"
    assert scoped.reasons == ("p95 < 50ms in eu-west-1: nothing was measured (eu-west-1 sent nothing)",)


def test_a_starved_generator_in_one_region_is_named_there_and_makes_the_run_inconclusive() -> None:
    east, west = region_run([10] * 100), region_run([10] * 100)
    west.health.late = 90
    west.health.intended = 100
    parts = [RegionPart("us-east-1", east, 1), RegionPart("eu-west-1", west, 1)]
    verdict = judge_across_regions(join_runs(parts), parts, (ERRORS,), [], judge_one, 10.0)
    assert verdict.status == "INCONCLUSIVE"
    assert verdict.generator_problems and all(p.startswith("eu-west-1: ") for p in verdict.generator_problems)
