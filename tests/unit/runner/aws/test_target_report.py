"""The target's side of a run pulled from AWS (moto): without credentials it says so and pulls
nothing; with them, the functions' memory and architecture, their reserved concurrency and the
account's quota are read beside the metrics, and what could not be read is noted."""
from __future__ import annotations

import io
import zipfile

import pytest

moto = pytest.importorskip("moto", reason="moto is a dev tool")

import boto3  # noqa: E402

from analysis.target import TargetResources  # noqa: E402
from runner.aws.target_report import Boto3TargetSource  # noqa: E402
from runner.spec.model import AwsWatch  # noqa: E402
from tests.unit.runner.virtual_time import FakeTime  # noqa: E402


def watch(*functions: str) -> AwsWatch:
    return AwsWatch(region="us-east-1", stack=None, resources=TargetResources(functions, (), (), ()))


def test_without_credentials_nothing_is_pulled_and_it_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    report = Boto3TargetSource().pull(watch("orders"), 1_000.0, 1_060.0)
    assert report.metrics is None and report.notes == [
        "target metrics not pulled: no AWS credentials (set AWS_PROFILE or credentials)"]


def test_the_functions_limits_are_read_beside_the_metrics(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with moto.mock_aws():
        iam = boto3.client("iam", region_name="us-east-1")
        role = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as archive:
            archive.writestr("h.py", "def handler(e, c): return 1\n")
        lambda_client = boto3.client("lambda", region_name="us-east-1")
        lambda_client.create_function(FunctionName="orders", Runtime="python3.12", Role=role, Handler="h.handler",
                                      Code={"ZipFile": code.getvalue()}, MemorySize=512, Architectures=["arm64"])
        lambda_client.put_function_concurrency(FunctionName="orders", ReservedConcurrentExecutions=50)
        time = FakeTime(now=1_100.0)  # moto publishes no datapoints: the bounded wait runs out on this clock
        report = Boto3TargetSource(clock=time.clock, sleep=time.sleep).pull(watch("orders", "gone"), 1_000.0, 1_060.0)
    assert report.metrics is not None and report.metrics.memory_mb == {"orders": 512}
    assert report.architectures == {"orders": "arm64"} and report.limits.reserved_concurrency == {"orders": 50}
    assert any(note.startswith("Lambda gone: memory unknown") for note in report.notes)
