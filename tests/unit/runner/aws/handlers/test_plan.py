"""The Plan function (moto's in-memory S3, no network): the run written and pointers returned, a
schedule delivered twice planned once, the guardrails, the spec's own limits, the account's
concurrency, and each slice's start."""
from __future__ import annotations

import json
import time
from typing import Any

import boto3
import pytest

from tests.unit.runner.aws.handlers.calls import SPEC, invoke, keys


def test_plan_writes_the_run_and_returns_pointers_only(bucket: str) -> None:
    from runner.aws.handlers import plan  # imported after the fixture set its environment
    out = invoke(plan, {"action": "plan", "input": {"spec": SPEC, "workers": 2, "settle_s": 0},
                        "execution_name": "smoke-1"})
    assert out["run_id"] == "smoke-1" and out["workers"] == 2 and out["settle_s"] == 0
    [slice_] = out["slices"]
    assert {k: v for k, v in slice_.items() if k not in ("start_at", "wake_at", "groups")} == {
        "index": 0, "items_key": "runs/smoke-1/slices/0.json", "workers": 2, "offset_s": 0.0, "duration_s": 20.0,
        "start_margin_s": 15.0, "gather": []}  # two workers: the monitor reads them itself, no gatherers
    assert len(json.dumps(out)) < 1000  # Step Functions carries pointers, not data
    assert sorted(keys(bucket, "runs/smoke-1/")) == [  # claim.json: what the runs that start later count
        "runs/smoke-1/claim.json", "runs/smoke-1/jobs/0.json", "runs/smoke-1/meta.json",
        "runs/smoke-1/plan.json", "runs/smoke-1/slices/0.json", "runs/smoke-1/spec.json"]
    manifest = json.loads(boto3.client("s3").get_object(Bucket=bucket, Key="runs/smoke-1/slices/0.json")["Body"].read())
    assert manifest == [{"job_key": "runs/smoke-1/jobs/0.json", "worker": 0},
                        {"job_key": "runs/smoke-1/jobs/0.json", "worker": 1}]

def test_a_schedule_delivered_twice_plans_its_run_once(bucket: str) -> None:
    """EventBridge Scheduler delivers at least once; the run id carries the scheduled time."""
    from runner.aws.handlers import plan  # imported after the fixture set its environment
    event = {"action": "plan", "input": {"spec": SPEC, "run_id": "nightly-2026-12-01T02:00:00Z"}}
    first = invoke(plan, event)
    assert first["run_id"] == "nightly-2026-12-01T020000Z" and first["duplicate"] is False
    written = keys(bucket, "runs/")
    assert invoke(plan, event) == {"run_id": "nightly-2026-12-01T020000Z", "duplicate": True}
    assert keys(bucket, "runs/") == written

def test_two_deliveries_at_once_plan_the_run_once(bucket: str) -> None:
    """Both deliveries of one schedule found no meta.json (they checked at the same moment): S3's
    conditional write lets one plan the run and tells the other it lost. Before, both planned it,
    the second overwriting the first's plan and jobs while its workers were starting."""
    from runner.aws.pipeline import plan_run
    from runner.aws.s3store import S3Store
    from runner.guardrails import Guardrails

    class CheckedTooEarly(S3Store):  # the second delivery's check ran before the first wrote anything
        def exists(self, key: str) -> bool:
            return False if key.endswith("meta.json") else super().exists(key)
    event = {"input": {"spec": SPEC, "run_id": "nightly-2026-12-01T02:00:00Z"}}
    guardrails = Guardrails(("api.example.com",), 4, 600)
    first = plan_run(event, S3Store(bucket, boto3.client("s3")), bucket, guardrails, 1_800_000_000.0)
    plan_before = boto3.client("s3").get_object(Bucket=bucket, Key=f"runs/{first['run_id']}/plan.json")["ETag"]
    second = plan_run(event, CheckedTooEarly(bucket, boto3.client("s3")), bucket, guardrails, 1_800_000_001.0)
    assert first["duplicate"] is False and second == {"run_id": first["run_id"], "duplicate": True}
    assert boto3.client("s3").get_object(Bucket=bucket, Key=f"runs/{first['run_id']}/plan.json")["ETag"] == plan_before

def test_a_spec_key_in_the_bucket_can_be_planned(bucket: str) -> None:
    from runner.aws.handlers import plan  # imported after the fixture set its environment
    boto3.client("s3").put_object(Bucket=bucket, Key="specs/smoke.yaml", Body=json.dumps(SPEC).encode())
    out = invoke(plan, {"action": "plan", "input": {"spec_key": "specs/smoke.yaml"}, "execution_name": "from-key"})
    assert out["run_id"] == "from-key"

@pytest.mark.parametrize("change, message", [
    ({"target": {"url": "https://evil.example.org"}},
     "target host 'evil.example.org' is not allowed (allowed: api.example.com, *.staging.example.com); add it to "
     "the cdk.json context key squall:allowedHosts and redeploy"),
    ({"load": {"phases": [{"duration": "20m", "rate": "10/s"}]}},
     "the run lasts 20m, longer than the 10m allowed by the cdk.json context key squall:maxDurationSeconds"),
    ({"load": {"phases": [{"duration": "1m", "rate": "20000/s"}]}},
     "the plan needs 6 workers, more than the 4 allowed by the cdk.json context key squall:maxWorkers"),
])
def test_the_guardrails_refuse_a_run_in_plan(bucket: str, change: dict[str, Any], message: str) -> None:
    from runner.aws.handlers import plan  # imported after the fixture set its environment
    from runner.aws.pipeline import PlanRejected
    with pytest.raises(PlanRejected) as caught:
        invoke(plan, {"action": "plan", "input": {"spec": {**SPEC, **change}}, "execution_name": "refused"})
    assert str(caught.value) == message
    assert keys(bucket, "runs/refused/") == ["runs/refused/claim.json"]  # nothing but its claim, given back: 0
    assert json.loads(boto3.client("s3").get_object(Bucket=bucket, Key="runs/refused/claim.json")["Body"].read())[
        "workers_at_once"] == 0

def test_an_engine_the_lambda_bundle_does_not_carry_and_a_too_fast_monitor_are_refused(bucket: str) -> None:
    from runner.aws.handlers import plan  # imported after the fixture set its environment
    from runner.aws.pipeline import PlanRejected
    with pytest.raises(PlanRejected) as caught:
        invoke(plan, {"action": "plan", "input": {"spec": SPEC, "engine": "aiohttp", "monitor_interval_s": 1},
                      "execution_name": "refused"})
    assert str(caught.value) == ("the aiohttp engine does not run on AWS (the Lambda bundle carries fast, httpx, locust); "
                                 "monitor_interval_s must be at least 5 s (each tick is a Lambda invocation and 9 "
                                 "history events), got 1")
    assert keys(bucket, "runs/refused/") == ["runs/refused/claim.json"]  # nothing but its claim, given back: 0
    assert json.loads(boto3.client("s3").get_object(Bucket=bucket, Key="runs/refused/claim.json")["Body"].read())[
        "workers_at_once"] == 0

def test_an_invalid_spec_is_refused_with_every_problem(bucket: str) -> None:
    from runner.aws.handlers import plan  # imported after the fixture set its environment
    from runner.aws.pipeline import PlanRejected
    with pytest.raises(PlanRejected, match="invalid spec:\nexecution input: spec:1: load.phases\\[0\\].rate"):
        invoke(plan, {"action": "plan", "input": {"spec": {**SPEC, "load": {"phases": [{"duration": "1s",
                                                                                         "rate": "-1"}]}}}})

class QuotaClient:
    def __init__(self, unreserved: int) -> None:
        self.unreserved = unreserved

    def get_account_settings(self) -> dict[str, Any]:
        return {"AccountLimit": {"ConcurrentExecutions": 1000, "UnreservedConcurrentExecutions": self.unreserved}}


def test_the_plan_checks_the_accounts_lambda_concurrency_headroom() -> None:
    from runner.aws.concurrency import check_concurrency_headroom
    assert check_concurrency_headroom(QuotaClient(1000), workers=40) is None
    message = check_concurrency_headroom(QuotaClient(10), workers=40)
    assert message == ("the plan needs 40 workers at once (+3 for the plan, monitor, gatherer and collect functions) "
                       "but the account has only 10 unreserved concurrent executions in this region; raise the Lambda "
                       "quota 'Concurrent executions' (L-B99A9384) in Service Quotas, or lower the rate")
    assert check_concurrency_headroom(QuotaClient(60), workers=40) is None
    handover = check_concurrency_headroom(QuotaClient(60), workers=40, handover=True)  # two slices' workers at once
    assert handover is not None and handover.startswith("the plan needs 80 workers at once (40 per slice, and two "
                                                        "slices' while they hand over)")

def test_control_functions_with_reserved_concurrency_are_not_counted_in_the_workers_pool() -> None:
    from runner.aws.concurrency import check_concurrency_headroom
    # 40 workers and 5 gatherers a slice: 40 unreserved do for the workers when the monitor reserves its own
    assert check_concurrency_headroom(QuotaClient(40), workers=40, gatherers=5, monitor_reserved=11) is None
    without = check_concurrency_headroom(QuotaClient(40), workers=40, gatherers=5)
    assert without is not None and "(+8 for the plan, monitor, gatherer and collect functions)" in without
    # two slices' gatherers at a handover do not fit a reserve of 8: the plan says so before anything starts
    short = check_concurrency_headroom(QuotaClient(1000), workers=40, handover=True, gatherers=5, monitor_reserved=8)
    assert short is not None and short.startswith("the plan needs 11 monitor executions at once (the monitor, and 5 "
                                                  "gatherers per slice, two slices at a handover) but the monitor "
                                                  "function reserves 8")

def test_the_workers_own_reserve_is_what_bounds_them() -> None:
    """Before: a worker reserve of 200 with 150 workers over two slices (300 at the hand-over) passed
    the check and then throttled."""
    from runner.aws.concurrency import check_concurrency_headroom
    refused = check_concurrency_headroom(QuotaClient(1000), workers=150, handover=True, worker_reserved=200)
    assert refused is not None and refused.startswith("the plan needs 300 workers at once (150 per slice, and two "
                                                      "slices' while they hand over) but the worker function reserves "
                                                      "200 (squall:workerReservedConcurrency)")
    # reserved workers draw from their own pool: 10 unreserved still do for plan, monitor and collect
    assert check_concurrency_headroom(QuotaClient(10), workers=150, worker_reserved=200) is None

def test_start_slice_records_the_real_start_of_each_slice(bucket: str) -> None:
    from runner.aws.handlers import plan  # imported after the fixture set its environment
    out = invoke(plan, {"action": "start_slice", "run_id": "smoke-1",
                        "slice": {"index": 1, "offset_s": 840.0, "duration_s": 840.0, "start_margin_s": 5}})
    recorded = json.loads(boto3.client("s3").get_object(Bucket=bucket, Key="runs/smoke-1/slices/1.start.json")
                          ["Body"].read())
    assert recorded == {"start_at_epoch_s": out["start_at"], "offset_s": 840.0, "duration_s": 840.0,
                        "planned_start_at_epoch_s": None}
    assert out["stopped"] is False

def test_a_slice_starts_at_its_planned_instant_or_a_start_margin_from_now_when_that_has_passed() -> None:
    """Slices hand over without a pause: a slice woken in time starts exactly where the last one's
    schedule ends, its workers launched a start margin before; one woken too late starts as soon
    as its workers can (the gap is measured by collect, and named)."""
    from runner.aws.pipeline import start_slice, timestamp
    slice_ = {"index": 1, "offset_s": 840.0, "duration_s": 840.0, "start_margin_s": 15, "start_at": 2_000_840.0}
    on_time = start_slice({"slice": slice_}, now_epoch_s=2_000_840.0 - 25)
    assert on_time == {"start_at": 2_000_840.0, "launch_at": timestamp(2_000_825.0), "stopped": False}
    late = start_slice({"slice": slice_}, now_epoch_s=2_000_840.0 - 3)
    assert late["start_at"] == 2_000_852.0 and late["launch_at"] == timestamp(2_000_837.0)

def test_the_plan_schedules_every_slice_back_to_back_from_one_start(bucket: str) -> None:
    from runner.aws.handlers import plan  # imported after the fixture set its environment
    from runner.aws.pipeline import PLAN_LEAD_S, WAKE_EARLY_S, timestamp
    spec = {**SPEC, "load": {"phases": [{"duration": "9m", "rate": "1/s"}]}}
    out = invoke(plan, {"action": "plan", "input": {"spec": spec, "start_margin_s": 15, "slice_s": 240},
                        "execution_name": "long"})
    assert len(out["slices"]) == 3
    starts = [s["start_at"] for s in out["slices"]]
    durations = [s["duration_s"] for s in out["slices"][:-1]]
    assert [round(b - a, 6) for a, b in zip(starts, starts[1:], strict=False)] == durations
    first, second = out["slices"][0], out["slices"][1]
    assert first["wake_at"] == timestamp(first["start_at"] - 15) and \
        abs(first["start_at"] - 15 - PLAN_LEAD_S - time.time()) < 60
    assert second["wake_at"] == timestamp(second["start_at"] - 15 - WAKE_EARLY_S)

def test_a_slice_of_a_stopped_run_is_skipped(bucket: str) -> None:
    from runner.aws.handlers import plan  # imported after the fixture set its environment
    boto3.client("s3").put_object(Bucket=bucket, Key="runs/smoke-2/control/stop", Body=b"stopped by squall stop\n")
    out = invoke(plan, {"action": "start_slice", "run_id": "smoke-2",
                        "slice": {"index": 1, "offset_s": 840.0, "duration_s": 840.0, "start_margin_s": 5}})
    assert out["stopped"] is True
    listed = boto3.client("s3").list_objects_v2(Bucket=bucket, Prefix="runs/smoke-2/slices/")
    assert listed.get("KeyCount", 0) == 0  # no start recorded for a slice that never ran

def test_the_specs_own_limits_and_cost_cap_are_enforced_in_plan_too(bucket: str) -> None:
    from runner.aws.handlers import plan  # imported after the fixture set its environment
    from runner.aws.pipeline import PlanRejected
    capped = {**SPEC, "limits": {"max_rate": "5/s", "max_cost_usd": 0.000001}}
    with pytest.raises(PlanRejected) as caught:
        invoke(plan, {"action": "plan", "input": {"spec": capped}, "execution_name": "capped"})
    # the spec's own limits are checked with the spec, at their place (as validate and run check them)
    assert "limits.max_rate: the phases' peak rate 10/s is over 5/s" in str(caught.value)
    with pytest.raises(PlanRejected, match="over limits.max_cost_usd"):
        invoke(plan, {"action": "plan", "input": {"spec": {**SPEC, "limits": {"max_cost_usd": 0.000001}}},
                      "execution_name": "costly"})
