"""The Monitor function: live stats written, embedded-metric-format figures published, the slice
said done, and with abort rules every second of its interval judged."""
from __future__ import annotations

import json

import boto3
import pytest

from analysis.histogram import Histogram
from analysis.shard import Shard
from analysis.stats import EndpointStats, Window
from runner.store import shard_bytes
from tests.unit.runner.aws.handlers.calls import SPEC, call, invoke, keys, put_shard
from tests.unit.runner.virtual_time import FakeTime


def test_the_monitor_writes_live_stats_publishes_emf_and_says_when_the_slice_is_done(
        bucket: str, capsys: pytest.CaptureFixture[str]) -> None:
    from runner.aws.handlers import monitor  # imported after the fixture set its environment
    call("plan", {"action": "plan", "input": {"spec": SPEC, "workers": 2}, "execution_name": "smoke-1"})
    put_shard(0, final=True, requests=10)
    put_shard(1, final=False, requests=5)
    start_at = 1_000_000.0
    slice_ = {"index": 0, "workers": 2, "offset_s": 0.0, "duration_s": 20.0, "start_at": start_at,
              "start_margin_s": 5}
    from runner.aws.pipeline import start_slice, watch_run
    from runner.aws.s3store import S3Store
    store = S3Store(bucket, boto3.client("s3"))
    assert start_slice({"run_id": "smoke-1", "slice": slice_}, start_at - 5, store)["start_at"] == start_at
    decision, live = watch_run({"run_id": "smoke-1", "slices": [slice_]}, store, now_epoch_s=start_at + 9.5)
    assert decision == {"done": False, "workers_finished": 1}
    assert (live["rate_per_s"], live["p95_ms"], live["workers_running"], live["spec_name"]) == (15, 12.0, 1, "smoke")
    capsys.readouterr()
    assert invoke(monitor, {"run_id": "smoke-1", "slices": [slice_]}) == \
        {"done": True, "workers_finished": 1, "wait_s": 10}  # long past the slice's end: missing workers are given up on
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    [metrics] = emf
    directive = metrics["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "Squall" and directive["Dimensions"] == [["TestName", "service"]]
    assert {m["Name"] for m in directive["Metrics"]} == {"RequestRate", "P95Latency", "P99Latency", "ErrorRate",
                                                         "ActiveWorkers"}
    assert metrics["TestName"] == "smoke"
    live_doc = json.loads(boto3.client("s3").get_object(Bucket=bucket, Key="runs/smoke-1/live.json")["Body"].read())
    assert live_doc["requests"] == 15

@pytest.mark.parametrize("abort", [False, True])
def test_with_abort_rules_the_monitor_judges_every_second_of_its_interval(bucket: str, abort: bool) -> None:
    """Without abort rules: one tick per invocation, the state machine waits the interval; workers flush
    every 5 s. With them: workers flush every second, and one invocation ticks every second for the
    interval, the abort acting at the first tick that sees the breach; the wait is then the last second."""
    from runner.aws.pipeline import monitor_run
    from runner.aws.s3store import S3Store
    from runner.job import WorkerJob
    thresholds = [{"check": "error_rate < 5%", "abort": True}] if abort else ["error_rate < 1%"]
    call("plan", {"action": "plan", "input": {"spec": {**SPEC, "thresholds": thresholds}, "workers": 2,
                                              "monitor_interval_s": 5}, "execution_name": "smoke-1"})
    store = S3Store(bucket, boto3.client("s3"))
    assert WorkerJob.from_dict(store.get_json("runs/smoke-1/jobs/0.json")).flush_interval_s == (1.0 if abort else 5.0)
    event = {"run_id": "smoke-1", "slices": [{"index": 0, "workers": 2, "offset_s": 0.0, "duration_s": 20.0,
                                              "start_at": 1_000_000.0}], "monitor_interval_s": 5}
    store.put_json("runs/smoke-1/slices/0.start.json", {"start_at_epoch_s": 1_000_000.0})
    clock = FakeTime(1_000_000.0 + 2.5)  # second 0 is complete (judged) from 2 s with 1 s flushes
    decision, live = monitor_run(event, store, clock.clock, clock.sleep)
    assert decision == {"done": False, "workers_finished": 0, "wait_s": 1 if abort else 5}  # the 5th second: waited
    assert clock.slept == ([1.0] * 4 if abort else [])
    assert "aborted" not in live  # nothing broke: no shard says so

    failing = EndpointStats(requests=10, responses=10, statuses={"500": 10}, errors={"http_5xx": 10},
                            error_statuses={"500": 10}, latency=Histogram.of([12_000] * 10))
    key, data = shard_bytes(Shard("smoke-1", 0, 0, 1, {7: Window(endpoints={"GET /health": failing})}, False))
    boto3.client("s3").put_object(Bucket="results", Key=key, Body=data)
    clock.now = 1_000_000.0 + 8.5  # second 7 broke the rule; with 1 s flushes it is judged from 9 s
    decision, live = monitor_run(event, store, clock.clock, clock.sleep)
    flag = keys(bucket, "runs/smoke-1/control/stop")
    if abort:
        # the reason, and the stop flag of the workers' key group, which they poll
        assert flag == ["runs/smoke-1/control/stop", "runs/smoke-1/control/stop-groups/000"]
        stop = json.loads(boto3.client("s3").get_object(Bucket=bucket, Key=flag[0])["Body"].read())
        assert stop["second"] == 7 and stop["kind"] == "abort"
    else:
        assert flag == []
