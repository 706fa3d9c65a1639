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

from tests.aws_harness import cdk_context, resources, synth

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


def bucket_id(t: dict) -> str:
    [logical] = resources(t, "AWS::S3::Bucket")
    return str(logical)


def _statements_of(t: dict, role_prefix: str) -> list[dict]:
    policies = [p for logical, p in resources(t, "AWS::IAM::Policy").items() if logical.startswith(role_prefix)]
    return [s for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"]]


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


def test_cfn_lint_passes_on_the_template(tmp_path: Path) -> None:
    path = tmp_path / "Squall.template.json"
    path.write_text(json.dumps(synth()))
    done = subprocess.run([CFN_LINT, "--ignore-checks", "W3005", "--", str(path)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


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
