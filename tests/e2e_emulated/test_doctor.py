"""`squall doctor --on aws` against moto's server, acting as the CLI policy in docs/aws.md: a new
account (concurrency quota 10, no CDK bootstrap) with a stack an older Squall deployed names each
problem with its fix and exits 1; the same account bootstrapped, with this Squall's stack and a
quota of 1,000, exits 0; a workers' reserve smaller than a run the stack allows is a warning."""
from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.aws_harness import ROOT, Emulator, answer_account_settings, cli_policy, synth

ARGS = ["doctor", "--on", "aws", "--stack", "Squall", "--region", "us-east-1"]


@pytest.fixture(scope="module")
def account() -> Iterator[Emulator]:
    answer_account_settings()
    emulator = Emulator()
    yield emulator
    emulator.close()


def doctor(emulator: Emulator, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "runner.cli", *ARGS], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, env=emulator.cli_env())


def stack_with_outputs(emulator: Emulator, name: str, outputs: dict[str, str]) -> None:
    emulator.client("cloudformation").create_stack(StackName=name, TemplateBody=json.dumps({
        "Resources": {"Placeholder": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()}}))


def ready(emulator: Emulator) -> None:
    """Bootstrapped, with this Squall's stack deployed (once in the module's account)."""
    names = {stack["StackName"] for stack in emulator.client("cloudformation").describe_stacks()["Stacks"]}
    if "CDKToolkit" not in names:
        stack_with_outputs(emulator, "CDKToolkit", {"BootstrapVersion": "28"})
    if "Squall" not in names:
        emulator.deploy(synth(allowedHosts=["127.0.0.1"]))


def line_of(output: str, check: str) -> str:
    [line] = [line for line in output.splitlines() if line.split()[1:2] == [check]]
    return line


def test_a_new_account_with_an_old_stack_gets_each_problem_named_with_its_fix(
        account: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTO_LAMBDA_CONCURRENCY_QUOTA", "10")  # what new accounts often start with
    machine = "arn:aws:states:us-east-1:123456789012:stateMachine:Squall-old"
    account.cli_policy_path.write_text(json.dumps(cli_policy((ROOT / "docs" / "aws.md").read_text(), "old", machine)))
    stack_with_outputs(account, "Squall", {"StateMachineArn": machine, "BucketName": "old"})  # no StackFormat
    try:
        done = doctor(account, tmp_path)
        listing = subprocess.run([sys.executable, "-m", "runner.cli", "runs", "--on", "aws", "--region", "us-east-1"],
                                 cwd=tmp_path, capture_output=True, text=True, timeout=120, env=account.cli_env())
    finally:
        account.client("cloudformation").delete_stack(StackName="Squall")
    assert done.returncode == 1, done.stdout + done.stderr
    assert line_of(done.stdout, "credentials").split()[0] == "ok"
    assert "PROBLEM  bootstrap" in done.stdout and "npx cdk bootstrap aws://123456789012/us-east-1" in done.stdout
    assert "deployed by an older Squall" in line_of(done.stdout, "stack") and "npx cdk deploy" in done.stdout
    concurrency = line_of(done.stdout, "concurrency")
    assert concurrency.split()[0] == "PROBLEM"
    assert "10 unreserved of a quota of 10" in concurrency and "up to 3 workers" in concurrency
    assert "L-B99A9384" in done.stdout
    assert "3 problems, 0 warnings" in done.stdout
    assert account.denials() == []  # every call doctor makes is in the docs' CLI policy
    # any other command refuses the old stack with the same reason, before it reads or writes anything
    assert listing.returncode == 3 and "is of format 1 (or older), this CLI's is 3" in listing.stderr, listing.stderr


def test_a_bootstrapped_account_with_this_squalls_stack_is_ready(
        account: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTO_LAMBDA_CONCURRENCY_QUOTA", "1000")
    ready(account)
    done = doctor(account, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    for check in ("credentials", "bootstrap", "stack", "concurrency", "transitions", "runs"):
        assert line_of(done.stdout, check).split()[0] == "ok", done.stdout
    assert "up to 498 workers" in done.stdout  # (1,000 - 3) // 2
    assert "0 problems, 0 warnings" in done.stdout
    assert account.denials() == []

    outputs = {o["OutputKey"]: o["OutputValue"] for o in account.client("cloudformation").describe_stacks(
        StackName="Squall")["Stacks"][0]["Outputs"]}
    account.client("lambda").put_function_concurrency(FunctionName=outputs["WorkerFunctionName"],
                                                      ReservedConcurrentExecutions=150)
    done = doctor(account, tmp_path)
    assert done.returncode == 0, done.stdout
    concurrency = line_of(done.stdout, "concurrency")
    assert concurrency.split()[0] == "WARN"
    assert "the workers' own pool of 150" in concurrency and "up to 75 workers" in concurrency
    assert "the stack allows 100" in concurrency


def test_the_accounts_own_state_transition_rate_says_how_many_workers_a_slice_launches_in_time(
        account: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Step Functions publishes an account's StateTransition bucket and refill rate in CloudWatch; a
    new account's are lower than the documented ones, and a stack allowing more workers than a slice
    can launch within its start margin is a warning naming both figures."""
    monkeypatch.setenv("MOTO_LAMBDA_CONCURRENCY_QUOTA", "1000")
    ready(account)
    before = doctor(account, tmp_path)
    assert "published no StateTransition figures" in line_of(before.stdout, "transitions")
    assert "the documented 5,000 at once and 1,500/s for us-east-1" in before.stdout
    cloudwatch = account.client("cloudwatch")
    for metric, value in (("ProvisionedBucketSize", 30.0), ("ProvisionedRefillRate", 10.0)):
        cloudwatch.put_metric_data(Namespace="AWS/States", MetricData=[{
            "MetricName": metric, "Value": value, "Dimensions": [{"Name": "ServiceMetric", "Value": "StateTransition"}]}])
    done = doctor(account, tmp_path)
    line = line_of(done.stdout, "transitions")
    assert line.split()[0] == "WARN", done.stdout
    # the stack allows 100 workers, launched within a 16 s margin: (30 + 10 x 16) / 3 = 63 fit
    assert "this account's StateTransition rate in us-east-1: 30 at once and 10/s" in line
    assert "a slice launches up to 63 workers within its 16 s start margin" in line
    assert "the stack allows 100" in line and "Service Quotas > AWS Step Functions" in done.stdout
    assert done.returncode == 0
