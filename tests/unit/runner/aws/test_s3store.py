"""The store on S3 (moto): the local store's keys and answers; a conditional write that lost is
told so; listings paged, after a key, and by folder; a missing key read is a StoreError naming it."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

moto = pytest.importorskip("moto", reason="moto is a dev tool; the Lambda-runtime lane has the runtime's packages")

import boto3  # noqa: E402

from runner.aws.s3store import S3Store  # noqa: E402
from runner.store import StoreError  # noqa: E402


@pytest.fixture
def store() -> Iterator[S3Store]:
    with moto.mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="results")
        yield S3Store("results", client)


def test_json_round_trips_and_a_missing_key_is_named(store: S3Store) -> None:
    store.put_json("runs/r1/meta.json", {"run_id": "r1"})
    assert store.get_json("runs/r1/meta.json") == {"run_id": "r1"} and store.exists("runs/r1/meta.json")
    assert not store.exists("runs/r1/result.json")
    with pytest.raises(StoreError, match="cannot read s3://results/runs/r1/result.json"):
        store.get_bytes("runs/r1/result.json")


def test_a_conditional_write_that_lost_is_told_so(store: S3Store) -> None:
    assert store.create_bytes("runs/r1/meta.json", b"first") is True
    assert store.create_bytes("runs/r1/meta.json", b"second") is False
    assert store.get_bytes("runs/r1/meta.json") == b"first"


def test_listings_after_a_key_and_by_folder(store: S3Store) -> None:
    for key in ("runs/a/x", "runs/a/y", "runs/b/x", "baselines/s.json"):
        store.put_bytes(key, b"1")
    assert store.list("runs/") == ["runs/a/x", "runs/a/y", "runs/b/x"]
    assert store.list("runs/", start_after="runs/a/x") == ["runs/a/y", "runs/b/x"]
    assert store.folders("runs/") == ["a", "b"]
    store.delete("baselines/s.json")
    assert store.list("baselines/") == [] and store.stamp("runs/a/x") == "1" and store.stamp("runs/c") is None
