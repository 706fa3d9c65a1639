"""The orchestrator of a run across regions, in the parts that need no AWS: the parts' run ids,
a region's clock read from its S3 endpoint with the bound that reading has, and a split refused
before anything starts. The whole path runs in tests/e2e_emulated/test_regions.py."""
from __future__ import annotations

import email.utils
import time
from typing import Any

import pytest

from runner.aws.backend import Deployment
from runner.aws.regions import clock_offset, part_id, run_across_regions
from runner.preflight import SpecRejected
from runner.spec import parse_spec


class Session:
    """A region's S3 answering HeadBucket with a Date header ``skew_s`` ahead of this machine."""

    def __init__(self, skew_s: float, round_trip_s: float = 0.04) -> None:
        self.skew_s, self.round_trip_s = skew_s, round_trip_s

    def client(self, service: str) -> Any:
        session = self

        class S3:
            def head_bucket(self, Bucket: str) -> dict[str, Any]:  # noqa: N803 - boto3's name
                time.sleep(session.round_trip_s / 2)
                date = email.utils.formatdate(time.time() + session.skew_s, usegmt=True)
                time.sleep(session.round_trip_s / 2)
                return {"ResponseMetadata": {"HTTPHeaders": {"date": date}}}
        return S3()


@pytest.mark.parametrize("skew_s", [0.0, 3.0, -42.0])
def test_a_region_s_clock_is_read_within_the_bound_its_reading_gives(skew_s: float) -> None:
    offset_s, bound_s = clock_offset(Deployment(Session(skew_s), "arn:sm", "bucket"))  # type: ignore[arg-type]
    assert 0.5 <= bound_s < 0.6  # whole seconds in the header, and half the round trip
    assert abs(offset_s - skew_s) <= bound_s


def test_a_part_s_run_id_names_its_region() -> None:
    assert part_id("shop-20261207-1200-ab12", "eu-west-1") == "shop-20261207-1200-ab12.eu-west-1"


def test_a_split_a_region_cannot_take_is_refused_before_anything_starts() -> None:
    spec = parse_spec("name: one\ntarget: http://127.0.0.1:9\nload: {phases: [{users: 1, iterations: 1}]}\n"
                      "scenarios: [{flow: [{get: /}]}]\nregions: [us-east-1, eu-west-1]\n", "one.yaml")
    with pytest.raises(SpecRejected, match="eu-west-1 would get none of its iterations; .* nothing was started"):
        run_across_regions(spec, "r1", 1, None, None, lambda line, final: None)  # type: ignore[arg-type]


def test_a_part_whose_execution_failed_without_a_result_is_named_with_lambda_s_cause() -> None:
    from runner.aws.regions import Started, _state

    class Client:
        def describe_execution(self, executionArn: str) -> dict[str, Any]:  # noqa: N803 - boto3's name
            return {"status": "FAILED", "cause": '{"errorType": "PlanRejected", "errorMessage": "the plan needs 40 '
                                                  'workers at once but the account has only 10"}'}

    class Session:
        def client(self, service: str) -> Client:
            return Client()

    class NoResult:
        def exists(self, key: str) -> bool:
            return False

    class Refused(Deployment):
        @property
        def store(self) -> Any:
            return NoResult()

    part = Started("eu-west-1", 0.4, Refused(Session(), "arn:aws:states:eu-west-1:1:stateMachine:m", "b"))  # type: ignore[arg-type]
    assert _state(part, "r1") is None  # ended
    assert part.failure == ("its execution ended FAILED without a result: the plan needs 40 workers at once but "
                            "the account has only 10")


def test_each_region_s_part_draws_from_its_own_seed() -> None:
    """Before: every part had the run's seed, so with Poisson arrivals both regions sent their
    bursts at the same instants."""
    from runner.aws.regions import part_seed
    seeds = [part_seed(12345, index) for index in range(3)]
    assert seeds[0] == 12345 and len(set(seeds)) == 3 and all(0 <= s < 1 << 31 for s in seeds)
