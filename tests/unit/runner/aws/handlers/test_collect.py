"""The Collect function: the result and the report written, failed thresholds named, and its answer
small however many workers went missing."""
from __future__ import annotations

import json
import os

import boto3

from tests.unit.runner.aws.handlers.calls import SPEC, call, invoke, put_shard


def test_collect_writes_the_result_and_the_report_and_names_failed_thresholds(bucket: str) -> None:
    from runner.aws.handlers import collect  # imported after the fixture set its environment
    spec = {**SPEC, "thresholds": ["p50 < 1ms"]}
    call("plan", {"action": "plan", "input": {"spec": spec, "workers": 2}, "execution_name": "smoke-1"})
    put_shard(0, final=True, requests=10)
    put_shard(1, final=True, requests=5)
    out = invoke(collect, {"run_id": "smoke-1"})
    assert out["status"] == "FAIL" and out["cause"] == "FAIL: p50 < 1ms: measured 12.00 ms"
    assert out["result_uri"] == "s3://results/runs/smoke-1/result.json"
    report = boto3.client("s3").get_object(Bucket=bucket, Key="runs/smoke-1/report.txt")["Body"].read().decode()
    assert "VERDICT: FAIL" in report
    assert os.environ["SQUALL_BUCKET"] == "results"

def test_collect_s_answer_stays_small_however_many_workers_went_missing(bucket: str, monkeypatch) -> None:
    """Step Functions refuses a task result over 256 KiB: 4,000 missing workers make a problem of
    ~150,000 characters, cut in the answer and kept whole in result.json."""
    from runner.aws.handlers import collect  # imported after the fixture set its environment
    monkeypatch.setenv("SQUALL_MAX_WORKERS", "5000")
    spec = {**SPEC, "limits": {"max_workers": 4000}}
    call("plan", {"action": "plan", "input": {"spec": spec, "workers": 4000}, "execution_name": "smoke-1"})
    put_shard(0, final=True, requests=10)
    out = invoke(collect, {"run_id": "smoke-1"})
    assert out["status"] == "INCONCLUSIVE"
    assert len(json.dumps(out)) < 100_000
    assert out["generator_problems"][0].endswith("(cut: the whole text is in result.json)")
    result = json.loads(boto3.client("s3").get_object(Bucket=bucket, Key="runs/smoke-1/result.json")["Body"].read())
    assert "worker 3999 sent no results" in result["verdict"]["generator_problems"][0]
