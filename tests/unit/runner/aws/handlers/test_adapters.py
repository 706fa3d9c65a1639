"""What every handler builds from its environment: the bucket its function was given, and for the
stop flag's polls a client that gives up fast (a slow answer is a missed poll, not a stalled worker)."""
from __future__ import annotations

import pytest

from runner.aws.handlers.adapters import bucket_name, s3_store, stop_flag_store


def test_the_store_is_the_bucket_the_function_was_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SQUALL_BUCKET", "squall-results-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    assert bucket_name() == "squall-results-1" and s3_store().uri("runs/") == "s3://squall-results-1/runs/"


def test_the_stop_flags_client_gives_up_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SQUALL_BUCKET", "b")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    config = stop_flag_store().client.meta.config
    # one retry: two attempts in all (botocore's "max_attempts" counts retries, so 2 there made three)
    assert (config.connect_timeout, config.read_timeout, config.retries["total_max_attempts"]) == (2, 2, 2)
