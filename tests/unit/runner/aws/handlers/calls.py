"""Calling a Lambda handler as Lambda would, in this process, against moto's in-memory S3."""
from __future__ import annotations

from typing import Any

import boto3

from analysis.histogram import Histogram
from analysis.shard import Shard
from analysis.stats import EndpointStats, Window
from runner.aws.rehearsal import LambdaContext
from runner.store import shard_bytes

SPEC = {"name": "smoke", "target": {"url": "https://api.example.com"},
        "load": {"phases": [{"duration": "20s", "rate": "10/s"}]},
        "scenarios": [{"flow": [{"get": {"url": "/health"}}]}], "thresholds": ["error_rate < 1%"]}


def call(handler_module: str, event: dict[str, Any]) -> Any:
    module = __import__(f"runner.aws.handlers.{handler_module}", fromlist=["handler"])
    return module.handler(event, LambdaContext(handler_module, 60))


def keys(bucket: str, prefix: str) -> list[str]:
    return [o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])]


def put_shard(worker: int, final: bool, requests: int) -> None:
    """A worker's shard of run smoke-1, second 3, in the bucket."""
    stats = EndpointStats(requests=requests, responses=requests, statuses={"200": requests},
                          latency=Histogram.of([12_000] * requests), latency_uncorrected=Histogram.of([12_000] * requests))
    key, data = shard_bytes(Shard("smoke-1", 0, worker, 0, {3: Window(endpoints={"GET /health": stats})}, final))
    boto3.client("s3").put_object(Bucket="results", Key=key, Body=data)


def invoke(module: Any, event: dict[str, Any]) -> Any:
    """A handler module's handler, called as Lambda calls it."""
    return module.handler(event, LambdaContext(module.__name__.rsplit(".", 1)[1], 60))
