"""The state machine: slices fanned out to workers in a Distributed Map, retries only where a retry
is safe, a failed verdict that names its thresholds, logs and traces, and a definition that is valid ASL."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

from aws_cdk import App
from aws_cdk.assertions import Match

from infra.orchestration import state_machine_name
from tests.aws_harness import cdk_context, plain_definition, resources, synth
from tests.infra.test_stack import CFN_LINT, states, template


def test_throttled_control_functions_are_retried_for_minutes_before_anything_else() -> None:
    """Two runs at once can exhaust the account's pool: a throttled monitor got ~3 s of retries and
    the run was abandoned, collect ~15 s."""
    every = states(plain_definition(synth()))
    for name in ("Monitor", "Collect", "MergeGroup"):  # a gatherer's failure has its fallback: the monitor reads
        [first] = [r for r in every[name]["Retry"] if r["ErrorEquals"] == ["Lambda.TooManyRequestsException"]]
        waits = [min(first["IntervalSeconds"] * first["BackoffRate"] ** n, first["MaxDelaySeconds"])
                 for n in range(first["MaxAttempts"])]
        assert sum(waits) >= 240 and first["JitterStrategy"] == "FULL", (name, waits)
        assert every[name]["Retry"][-1]["ErrorEquals"] == ["States.ALL"]


def test_workers_fan_out_in_a_distributed_map_read_from_s3_with_one_slot_per_worker() -> None:
    every = states(plain_definition(synth()))
    workers = every["Workers"]
    assert workers["ItemProcessor"]["ProcessorConfig"]["Mode"] == "DISTRIBUTED"
    assert workers["MaxConcurrencyPath"] == "$.slice.workers"
    assert workers["ItemReader"]["Parameters"]["Key.$"] == "$.slice.items_key"
    assert workers["ToleratedFailurePercentage"] == 100
    # labelled, so their Map Runs' ARNs tell the workers' from the gatherers' (the CLI counts the workers)
    assert workers["Label"] == "Workers" and every["Gatherers"]["Label"] == "Gatherers"
    # every slice's iteration at once, each waiting for its planned instant: they hand over without a pause
    assert every["Slices"].get("MaxConcurrency", 0) == 0
    assert every["WakeUp"]["TimestampPath"] == "$.slice.wake_at"
    assert every["Launch"]["TimestampPath"] == "$.timing.launch_at"
    assert set(every["Run"]["Catch"][0]["ErrorEquals"]) == {"States.ALL"}  # the slices and the monitor, both


def test_a_slices_gatherers_run_beside_its_workers_and_none_can_end_the_run() -> None:
    every = states(plain_definition(synth()))
    assert [branch["StartAt"] for branch in every["Slice"]["Branches"]] == ["Workers", "Gatherers"]
    gatherers = every["Gatherers"]
    # their loops in child executions' histories, not the run's; a failure written down, and tolerated
    assert gatherers["ItemProcessor"]["ProcessorConfig"]["Mode"] == "DISTRIBUTED"
    assert gatherers["ItemsPath"] == "$.slice.gather" and gatherers["ToleratedFailurePercentage"] == 100
    assert every["Gather"]["Catch"][0]["Next"] == "GathererFailed"
    assert every["GroupDone?"]["Default"] == "Gather"


def test_a_worker_is_invoked_synchronously_and_retried_only_before_it_runs() -> None:
    worker = states(plain_definition(synth()))["Worker"]
    assert worker["Resource"].startswith("arn:aws:lambda:")  # a plain function ARN: RequestResponse
    assert "Parameters" not in worker or worker["Parameters"].get("InvocationType", "RequestResponse") == \
        "RequestResponse"
    retried = {error for retry in worker.get("Retry", []) for error in retry["ErrorEquals"]}
    assert retried == {"Lambda.TooManyRequestsException", "Lambda.ServiceException",
                       "Lambda.ResourceNotReadyException", "Lambda.EC2ThrottledException"}
    assert "States.ALL" not in retried and "States.TaskFailed" not in retried
    assert "Lambda.SdkClientException" not in retried  # may come after the worker started sending


def test_a_failed_verdict_ends_in_a_fail_state_that_names_the_thresholds() -> None:
    every = states(plain_definition(synth()))
    assert every["Verdict?"]["Choices"][0] == {"Or": [{"Variable": "$.result.status", "StringEquals": "FAIL"},
                                                      {"Variable": "$.result.status", "StringEquals": "ABORTED"}],
                                               "Next": "ThresholdsFailed"}
    assert every["ThresholdsFailed"] == {"Type": "Fail", "Error": "Squall.ThresholdsFailed",
                                         "CausePath": "$.result.cause"}
    assert every["Summary"]["InputPath"] == "$.result" and every["Summary"]["Next"] == "Done"
    assert every["Done"]["Type"] == "Succeed" and every["Settle"]["SecondsPath"] == "$.settle_s"


def test_the_state_machine_logs_and_traces() -> None:
    template().has_resource_properties("AWS::StepFunctions::StateMachine", {
        "StateMachineType": "STANDARD", "TracingConfiguration": {"Enabled": True},
        "LoggingConfiguration": Match.object_like({"Level": "ALL"})})


def test_the_state_machine_definition_is_valid_asl(tmp_path: Path) -> None:
    """cfn-lint does not look inside a Fn::Join definition: resolve it and lint the plain ASL."""
    t = synth()
    [logical] = resources(t, "AWS::StepFunctions::StateMachine")
    t["Resources"][logical]["Properties"]["DefinitionString"] = json.dumps(plain_definition(t))
    path = tmp_path / "plain.template.json"
    path.write_text(json.dumps(t))
    done = subprocess.run([CFN_LINT, "--ignore-checks", "W3005", "--", str(path)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    # and a misspelled field would be caught by the same check
    broken = json.loads(json.dumps(plain_definition(synth())).replace('"SecondsPath"', '"SecondPath"'))
    t["Resources"][logical]["Properties"]["DefinitionString"] = json.dumps(broken)
    path.write_text(json.dumps(t))
    done = subprocess.run([CFN_LINT, "--ignore-checks", "W3005", "--", str(path)], capture_output=True, text=True)
    # cfn-lint 1.58 reports it as E3601, or crashes into E1101 when the field sits inside a Map
    assert done.returncode != 0 and ("E3601" in done.stdout or "E1101" in done.stdout)


def test_the_state_machine_is_named_after_its_stack() -> None:
    from infra.app import build_app
    _, stack = build_app(App(context=cdk_context(nag=False)))
    assert state_machine_name(stack) == "Squall-Run"
