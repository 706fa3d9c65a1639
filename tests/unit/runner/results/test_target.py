"""The target's side of a run as collect sees it: the source handed in is asked for the run's
window, and what it reports (region, notes, metrics, limits) reaches the result and its verdict."""
from __future__ import annotations

from pathlib import Path

from analysis.histogram import Histogram
from analysis.shard import Shard
from analysis.stats import EndpointStats, HealthStats, Window
from analysis.target import TargetResources
from runner.guardrails import HostPolicy
from runner.plan import make_plan
from runner.prepare import prepare_run
from runner.results.collect import collect
from runner.results.target import TargetReport
from runner.spec import parse_spec
from runner.spec.model import AwsWatch
from runner.store import LocalStore, put_shard
from tests.unit.analysis.test_target import metrics

SPEC = ("name: t\ntarget: http://127.0.0.1:9\nload: {phases: [{duration: 3s, rate: 10/s}]}\n"
        "scenarios: [{flow: [{get: {url: /, name: A}}]}]\nthresholds: [aws.lambda.throttles == 0]\n"
        "aws: {region: eu-west-1, resources: {lambda: [generate]}}\n")


class RecordedSource:
    """A TargetSource that answers with a recorded metric set and remembers what it was asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[AwsWatch, float, float]] = []

    def pull(self, watch: AwsWatch, start_epoch_s: float, end_epoch_s: float) -> TargetReport:
        self.asked.append((watch, start_epoch_s, end_epoch_s))
        resources = TargetResources(("generate",), (), (), ())
        return TargetReport(resources, metrics({("lambda", "generate", "throttles", "Sum"): [3]}, resources),
                            "eu-west-1", notes=["recorded, not CloudWatch"])


def test_the_source_is_asked_for_the_runs_window_and_its_metrics_judge(tmp_path: Path) -> None:
    spec = parse_spec(SPEC, "t.yaml")
    plan = make_plan(spec, "t1", 1, workers=1)
    store = LocalStore(tmp_path)
    prepare_run(store, spec, plan, {"run_id": "t1", "spec_name": "t", "started_at_epoch_s": 1_000.0,
                                    "target_url": spec.target.base_url}, "fast", 1.0, 1_000.0, sliced=False,
                hosts=HostPolicy.local(spec, ()))
    stats = EndpointStats(requests=10, responses=10, statuses={"200": 10}, latency=Histogram.of([5_000] * 10))
    put_shard(store, Shard("t1", 0, 0, 0, {s: Window(endpoints={"A": stats}, health=HealthStats(intended=10))
                                           for s in range(3)}, final=True))
    source = RecordedSource()
    result = collect(store, "t1", target_source=source)
    [(watch, start, end)] = source.asked
    assert watch.region == "eu-west-1" and start <= 1_000.0 < end
    assert result["verdict"]["status"] == "FAIL"
    assert result["verdict"]["reasons"] == ["aws.lambda.throttles == 0: measured 3"]
    assert "recorded, not CloudWatch" in str(result["target"])
