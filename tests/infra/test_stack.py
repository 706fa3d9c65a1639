"""The synthesized stack: the properties that matter, checked on the template itself."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from aws_cdk import App
from aws_cdk.assertions import Match, Template

from tests.aws_harness import cdk_context, plain_definition, resolve, resources, synth

CFN_LINT = str(Path(sys.executable).parent / "cfn-lint")


def template(**overrides: object) -> Template:
    return Template.from_json(synth(**overrides))


def functions(t: dict, handler_module: str) -> dict:
    [found] = [r for r in resources(t, "AWS::Lambda::Function").values()
               if r["Properties"].get("Handler") == f"runner.aws.handlers.{handler_module}.handler"]
    return found["Properties"]


def states(definition: dict) -> dict:
    """Every state, nested ones included, by name."""
    found = {}
    for name, state in definition["States"].items():
        found[name] = state
        for inner in [state.get("ItemProcessor")] + state.get("Branches", []):
            if inner:
                found.update(states(inner))
    return found


def test_the_worker_is_a_one_vcpu_arm64_function_that_runs_15_minutes() -> None:
    worker = functions(synth(), "worker")
    assert worker["MemorySize"] == 1769 and worker["Timeout"] == 900
    assert worker["Architectures"] == ["arm64"] and worker["Runtime"] in ("python3.12", "python3.13")
    assert "TracingConfig" not in worker or worker["TracingConfig"] == {"Mode": "PassThrough"}  # no empty traces


def test_architecture_and_worker_memory_come_from_context() -> None:
    worker = functions(synth(architecture="x86_64", workerMemoryMb=3008), "worker")
    assert worker["Architectures"] == ["x86_64"] and worker["MemorySize"] == 3008


def test_the_results_bucket_is_hardened() -> None:
    t = template(resultsExpireDays=30)
    t.has_resource_properties("AWS::S3::Bucket", {
        "BucketEncryption": {"ServerSideEncryptionConfiguration": [
            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
        "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                           "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
        "LifecycleConfiguration": {"Rules": [Match.object_like({"ExpirationInDays": 30, "Prefix": "runs/"}),
                                             Match.object_like({"ExpirationInDays": 30, "Prefix": "specs/runs/"})]},
    })
    t.has_resource_properties("AWS::S3::BucketPolicy", {"PolicyDocument": {"Statement": Match.array_with([
        Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})])}})


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


def bucket_id(t: dict) -> str:
    [logical] = resources(t, "AWS::S3::Bucket")
    return str(logical)


def _statements_of(t: dict, role_prefix: str) -> list[dict]:
    policies = [p for logical, p in resources(t, "AWS::IAM::Policy").items() if logical.startswith(role_prefix)]
    return [s for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"]]


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


def test_the_state_machine_reads_only_the_slices_job_lists_and_the_specs_upload_deletes_nothing() -> None:
    """CDK's own grants were wider: the Distributed Map's item reader on every key of the bucket, the
    specs upload (BucketDeployment) read, write and delete on every key (infra/deployment.py)."""
    t = synth()
    machine = _statements_of(t, "OrchestrationStateMachineRoleDefaultPolicy")
    s3_resources = [r for s in machine if any(a.startswith("s3:") for a in
                                              ([s["Action"]] if isinstance(s["Action"], str) else s["Action"]))
                    for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])]
    assert sorted(json.dumps(r) for r in s3_resources) == sorted(json.dumps(r) for r in [
        {"Fn::GetAtt": [bucket_id(t), "Arn"]},
        *({"Fn::Join": ["", [{"Fn::GetAtt": [bucket_id(t), "Arn"]}, key]]}
          for key in ("/runs/*/slices/*", "/runs/*/failed/*", "/runs/*/gather-failed/*"))])
    upload = [s for s in _statements_of(t, "CustomCDKBucketDeployment")
              if json.dumps(s["Resource"]).count(bucket_id(t))]
    assert len(upload) == 1 and not any("Delete" in a for a in upload[0]["Action"])
    assert upload[0]["Resource"] == [{"Fn::GetAtt": [bucket_id(t), "Arn"]},
                                     {"Fn::Join": ["", [{"Fn::GetAtt": [bucket_id(t), "Arn"]}, "/specs/*"]]}]


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


def test_guardrails_and_schedules_come_from_context() -> None:
    t = synth(allowedHosts=["api.example.com", "*.staging.example.com"], maxWorkers=7, maxDurationSeconds=900,
              schedules=[{"name": "nightly", "expression": "cron(0 2 * * ? *)", "timezone": "Europe/Berlin",
                          "specKey": "specs/launch.yaml"}])
    env = functions(t, "plan")["Environment"]["Variables"]
    assert env["SQUALL_ALLOWED_HOSTS"] == "api.example.com,*.staging.example.com"
    assert (env["SQUALL_MAX_WORKERS"], env["SQUALL_MAX_DURATION_S"]) == ("7", "900")
    [schedule] = resources(t, "AWS::Scheduler::Schedule").values()
    props = schedule["Properties"]
    assert props["ScheduleExpression"] == "cron(0 2 * * ? *)"
    assert props["ScheduleExpressionTimezone"] == "Europe/Berlin"
    assert json.loads(props["Target"]["Input"]) == {"spec_key": "specs/launch.yaml",
                                                    "run_id": "nightly-<aws.scheduler.scheduled-time>"}
    # retried (a second delivery is the same run id, which Plan refuses as AlreadyPlanned), and what still
    # fails to start is kept in a dead-letter queue (before: no retry and no queue, a failed start vanished)
    assert props["Target"]["RetryPolicy"] == {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 3600}
    [queue_id] = resources(t, "AWS::SQS::Queue")
    assert props["Target"]["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    # in the stack's schedule group, as the role the console's schedules use too
    [group_id] = resources(t, "AWS::Scheduler::ScheduleGroup")
    assert props["GroupName"] == "Squall-runs" and group_id in schedule["DependsOn"]  # created after its group
    assert props["Name"] == "nightly"  # as cdk.json names it: the console lists it so
    [role_id] = [k for k in resources(t, "AWS::IAM::Role") if k.startswith("ScheduleRole")]
    assert props["Target"]["RoleArn"] == {"Fn::GetAtt": [role_id, "Arn"]}


def test_the_console_creates_schedules_in_the_stacks_group_as_its_role() -> None:
    t = synth()
    assert set(t["Outputs"]) >= {"ScheduleGroupName", "ScheduleRoleArn", "ScheduleDeadLetterArn"}
    [role] = [r for k, r in resources(t, "AWS::IAM::Role").items() if k.startswith("ScheduleRole")]
    principal = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
    assert principal["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert principal["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    actions = {a for p in resources(t, "AWS::IAM::Policy").values()
               if any(r["Ref"].startswith("ScheduleRole") for r in p["Properties"]["Roles"])
               for st in p["Properties"]["PolicyDocument"]["Statement"]
               for a in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])}
    assert actions == {"states:StartExecution", "sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}


def test_outputs_name_the_state_machine_the_bucket_and_the_dashboard() -> None:
    assert set(synth()["Outputs"]) >= {"StateMachineArn", "BucketName", "DashboardName", "StackFormat",
                                       "WorkerFunctionName", "MaxWorkers"}


def test_the_dashboard_puts_squall_beside_the_target_on_one_time_axis() -> None:
    [dashboard] = resources(synth(), "AWS::CloudWatch::Dashboard").values()
    body = json.loads(resolve(dashboard["Properties"]["DashboardBody"], {"AWS::Region": "us-east-1"}))
    expressions = {m[0]["expression"] for w in body["widgets"] for m in w["properties"]["metrics"]}
    for metric in ("RequestRate", "P95Latency", "P99Latency", "ErrorRate", "ActiveWorkers"):
        assert any(e.startswith(f"SEARCH('{{Squall,TestName,service}} MetricName=\"{metric}\"'") for e in expressions)
    for search in ('{AWS/Lambda,FunctionName} MetricName="Throttles"',
                   '{AWS/ApiGateway,ApiName,Stage} MetricName="5XXError"',
                   '{AWS/DynamoDB,TableName,Operation} MetricName="ThrottledRequests"'):
        assert any(search in e for e in expressions), search


def test_cfn_lint_passes_on_the_template(tmp_path: Path) -> None:
    path = tmp_path / "Squall.template.json"
    path.write_text(json.dumps(synth()))
    done = subprocess.run([CFN_LINT, "--ignore-checks", "W3005", "--", str(path)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


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


def test_cdk_nag_finds_nothing_unacknowledged() -> None:
    import aws_cdk as cdk
    from cdk_nag import AwsSolutionsChecks

    from infra.app import build_app
    app = App(context=cdk_context(nag=False))
    build_app(app)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()  # raises on an unacknowledged error


def test_an_unacknowledged_nag_finding_fails_the_synth() -> None:
    import aws_cdk as cdk
    from aws_cdk import aws_s3 as s3
    from cdk_nag import AwsSolutionsChecks

    from infra.app import build_app
    app = App(context=cdk_context(nag=False))
    _, stack = build_app(app)
    s3.Bucket(stack, "Careless")  # no TLS enforcement, no logs
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    with pytest.raises(Exception, match="AwsSolutions-S10|AwsSolutions-S1"):
        app.synth()


def test_the_npm_cdk_cli_synthesizes_and_bundles_arm64_wheels_without_docker(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    cdk_cli = root / "node_modules" / ".bin" / "cdk"
    if not cdk_cli.exists():
        pytest.fail("the aws-cdk CLI is missing: `make test` installs it with npm ci")
    env = {**os.environ, "CDK_DISABLE_VERSION_CHECK": "1", "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
           "SQUALL_WHEEL_CACHE": str(tmp_path / "wheels")}

    def synth_into(out: Path, extra_env: dict[str, str]) -> Path:
        done = subprocess.run([str(cdk_cli), "synth", "--quiet", "-o", str(out)], cwd=root, capture_output=True,
                              text=True, env={**env, **extra_env}, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
        template = json.loads((out / "Squall.template.json").read_text())
        return out / f"asset.{functions(template, 'worker')['Code']['S3Key'].split('.')[0]}"

    bundle = synth_into(tmp_path / "first", {})  # downloads the pinned wheels into the cache
    assert (bundle / "runner" / "aws" / "handlers" / "worker.py").exists() and (bundle / "analysis" / "merge.py").exists()
    assert list(bundle.glob("uvloop/loop.cpython-313-aarch64-linux-gnu.so"))
    assert not (bundle / "bin").exists() and not (bundle / "infra").exists()
    # Again with no package index to reach (a closed port on this machine): the cache is enough.
    offline = {"PIP_INDEX_URL": "http://127.0.0.1:9/simple", "PIP_FIND_LINKS": "", "PIP_RETRIES": "0",
               "PIP_TIMEOUT": "2"}
    again = synth_into(tmp_path / "offline", offline)
    assert list(again.glob("uvloop/loop.cpython-313-aarch64-linux-gnu.so"))


def test_an_acknowledgment_covers_only_the_resource_it_is_about() -> None:
    """Collect may read the target's REST APIs; the same grant on the worker is a new finding."""
    import aws_cdk as cdk
    from aws_cdk import aws_iam as iam
    from cdk_nag import AwsSolutionsChecks

    from infra.app import build_app
    app = App(context=cdk_context(nag=False))
    _, stack = build_app(app)
    stack.functions.worker.add_to_role_policy(iam.PolicyStatement(actions=["apigateway:GET"], resources=[
        stack.format_arn(service="apigateway", account="", resource="/restapis", resource_name="*")]))
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    with pytest.raises(Exception, match=r"FunctionsWorker.*\n?.*IAM5|IAM5\[Resource::arn:<AWS::Partition>:apigateway"):
        app.synth()


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


def test_every_construct_the_stack_names_is_its_own() -> None:
    """The stack keeps the parts its acknowledgements and outputs name (a refactor that dropped one
    would leave an output or a cdk-nag acknowledgement pointing at nothing)."""
    from infra.app import build_app
    from infra.stack import SquallStack
    _, stack = build_app(App(context=cdk_context(nag=False)))
    assert isinstance(stack, SquallStack)
    for part in (stack.bucket, stack.schedule_group, stack.schedule_role, stack.schedule_dlq, stack.dashboard,
                 stack.functions.worker, stack.orchestration.state_machine):
        assert part.node.scope is not None and part.stack is stack
