"""The handlers' tests run against moto's in-memory S3, with the environment each function is given."""
from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws


@pytest.fixture
def bucket(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("SQUALL_BUCKET", "results")
    monkeypatch.setenv("SQUALL_ALLOWED_HOSTS", "api.example.com,*.staging.example.com")
    monkeypatch.setenv("SQUALL_MAX_WORKERS", "4")
    monkeypatch.setenv("SQUALL_MAX_DURATION_S", "600")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "squall")
    # moto answers GetAccountSettings only once an emulated test in the same process has taught it
    # (tests/aws_harness.answer_account_settings); then with this quota, big enough for what these
    # tests plan, so they pass in any order. Plan's refusals are tested in test_plan.py with a fake.
    monkeypatch.setenv("MOTO_LAMBDA_CONCURRENCY_QUOTA", "10000")
    with mock_aws():
        boto3.client("s3").create_bucket(Bucket="results")
        yield "results"

