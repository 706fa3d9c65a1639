"""The functions: the worker's size and time, what each may read and write, what collect may watch,
and the concurrency reserved for workers and control."""
from __future__ import annotations

import json

from infra.functions import COLLECT_MEMORY_MB
from tests.aws_harness import synth
from tests.infra.test_stack import _statements_of, functions


def test_the_worker_is_a_one_vcpu_arm64_function_that_runs_15_minutes() -> None:
    worker = functions(synth(), "worker")
    assert worker["MemorySize"] == 1769 and worker["Timeout"] == 900
    assert worker["Architectures"] == ["arm64"] and worker["Runtime"] in ("python3.12", "python3.13")
    assert "TracingConfig" not in worker or worker["TracingConfig"] == {"Mode": "PassThrough"}  # no empty traces


def test_architecture_and_worker_memory_come_from_context() -> None:
    worker = functions(synth(architecture="x86_64", workerMemoryMb=3008), "worker")
    assert worker["Architectures"] == ["x86_64"] and worker["MemorySize"] == 3008


def test_a_worker_may_read_its_jobs_and_the_stop_flag_and_write_only_shards_and_its_snapshot() -> None:
    statements = _statements_of(synth(), "FunctionsWorkerServiceRoleDefaultPolicy")
    text = json.dumps(statements)
    puts = [s for s in statements if "s3:PutObject" in s["Action"]]
    resources_put = json.dumps([s["Resource"] for s in puts])
    assert len(puts) == 1 and '"/runs/*/shards/*"' in resources_put and '"/runs/*/snapshots/*"' in resources_put
    assert resources_put.count("/runs/*") == 2
    assert "/runs/*/jobs/*" in text and "/runs/*/control/*" in text
    assert "cloudwatch" not in text and "states:" not in text
    everywhere = [s for s in statements if s["Resource"] == "*"]
    assert everywhere == []  # nothing on every resource (no X-Ray: tracing is off)


def test_collect_may_read_metrics_and_the_target_stack_but_write_only_results() -> None:
    statements = _statements_of(synth(), "FunctionsCollectServiceRoleDefaultPolicy")

    def actions(statement: dict) -> list[str]:
        return [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
    on_everything = {a for s in statements if s["Resource"] == "*" for a in actions(s)}
    assert on_everything == {"cloudwatch:GetMetricData", "lambda:GetAccountSettings"}
    text = json.dumps(statements)
    assert "cloudformation:ListStackResources" in text and "lambda:GetFunctionConfiguration" in text
    assert "runs/*/result.json" in text and "s3:DeleteObject" not in text


def test_collect_reads_only_the_stacks_and_functions_the_context_lets_it_watch() -> None:
    """squall:watchedStacks and squall:watchedFunctions narrow collect's reads of the target (every
    stack and function in the account otherwise), judged by the IAM policy evaluator the emulated
    runs use (tests/iam_enforcement.py)."""
    from runner.aws.rehearsal import resolve
    from tests.iam_enforcement import Principal, role_policies
    refs = {"AWS::Partition": "aws", "AWS::Region": "us-east-1", "AWS::AccountId": "123456789012"}

    def collect_role(template: dict) -> Principal:
        class Refs(dict):
            def __missing__(self, key: str) -> str:
                return f"arn:aws:states:us-east-1:123456789012:stateMachine:{key}"  # not what is judged here
        [(_, policies)] = [(k, v) for k, v in role_policies(template, Refs(refs), resolve).items()
                           if k.startswith("FunctionsCollect")]
        return Principal("collect", policies)

    def arn(kind: str, name: str) -> str:
        return f"arn:aws:{'lambda' if kind == 'function' else 'cloudformation'}:us-east-1:123456789012:" + \
            (f"function:{name}" if kind == "function" else f"stack/{name}/0a1b2c3d")

    narrowed = collect_role(synth(watchedStacks=["orders-*"], watchedFunctions=["orders-*", "billing"]))
    assert narrowed.allows("cloudformation:ListStackResources", arn("stack", "orders-api"))
    assert not narrowed.allows("cloudformation:ListStackResources", arn("stack", "payroll"))
    assert narrowed.allows("lambda:GetFunctionConfiguration", arn("function", "orders-create"))
    assert narrowed.allows("lambda:GetFunctionConcurrency", arn("function", "billing"))
    assert not narrowed.allows("lambda:GetFunctionConfiguration", arn("function", "billing-admin"))
    default = collect_role(synth())
    assert default.allows("lambda:GetFunctionConfiguration", arn("function", "anything"))
    assert default.allows("cloudformation:ListStackResources", arn("stack", "payroll"))


def test_the_workers_concurrency_can_be_reserved_from_context() -> None:
    assert "ReservedConcurrentExecutions" not in functions(synth(), "worker")
    assert functions(synth(workerReservedConcurrency=50), "worker")["ReservedConcurrentExecutions"] == 50


def test_nothing_is_reserved_unless_asked_and_the_control_functions_may_keep_a_few() -> None:
    """The first deploy works on any account: Lambda keeps 100 unreserved, so reserving 15 by default
    failed it wherever the concurrency quota is under 115 (new accounts often start at 10). Asked for,
    the functions that run a run keep executions of their own (workers cannot throttle them)."""
    none = synth()
    assert all("ReservedConcurrentExecutions" not in functions(none, name)
               for name in ("plan", "monitor", "collect", "worker"))
    assert functions(none, "plan")["Environment"]["Variables"]["SQUALL_WORKER_RESERVED"] == "0"
    template = synth(controlReservedConcurrency=5)
    assert [functions(template, name).get("ReservedConcurrentExecutions") for name in ("plan", "monitor", "collect")] \
        == [5, 5, 5]


def test_the_monitor_reserves_room_for_the_gatherers_of_two_wide_slices() -> None:
    """The monitor function runs a wide slice's gatherers too: its reserve holds two slices' worth
    (a handover), and the plan function knows it (to refuse a run that would not fit)."""
    from infra.functions import gatherers_for
    from runner.plan import gather_group_workers, groups_of
    for workers in (1, 100, 200, 201, 399, 400, 401, 1000, 3999, 4000, 4001, 10_000):
        assert gatherers_for(workers) == len(groups_of(workers, gather_group_workers(workers))), workers
    wide = synth(maxWorkers=1000, controlReservedConcurrency=5)
    assert functions(wide, "monitor")["ReservedConcurrentExecutions"] == 5 + 2 * 5
    assert functions(wide, "plan")["Environment"]["Variables"]["SQUALL_MONITOR_RESERVED"] == "15"
    assert functions(synth(controlReservedConcurrency=5), "plan")["Environment"]["Variables"][
        "SQUALL_MONITOR_RESERVED"] == "5"
    assert functions(synth(), "plan")["Environment"]["Variables"]["SQUALL_MONITOR_RESERVED"] == "0"


def test_collect_runs_at_the_memory_the_runner_plans_its_merges_for() -> None:
    from runner.contract import COLLECT_MEMORY_MB as PLANNED
    assert COLLECT_MEMORY_MB == PLANNED
    assert functions(synth(), "collect")["MemorySize"] == COLLECT_MEMORY_MB
