"""The process a Lambda worker starts for a locustfile (runner/aws/locust_worker.py), run as the
Worker function runs it (`python -m runner.aws.locust_worker JOB_KEY WORKER START_AT LAMBDA_END`)
against moto's S3 server on 127.0.0.1: gevent patches the interpreter as the module is imported,
so it is never imported here. It runs the file from the slice's start instant, writes its shards
and snapshot to the bucket, and a locustfile that cannot load ends it with exit 1 and a final
shard that says why."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from runner.aws.s3store import S3Store
from runner.guardrails import HostPolicy
from runner.job import job_key
from runner.plan import make_plan
from runner.prepare import prepare_run
from runner.spec import parse_spec
from runner.store import read_shard, shard_keys

ROOT = Path(__file__).resolve().parents[4]
MODULE = "runner.aws.locust_worker"


@pytest.fixture
def bucket() -> Iterator[dict[str, str]]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    env = {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{server.get_host_and_port()[1]}", "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1", "SQUALL_BUCKET": "results"}
    try:
        s3 = boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
        s3.create_bucket(Bucket="results")
        yield env
    finally:
        server.stop()


def run_worker(env: dict[str, str], locustfile: Path, url: str,
               run_id: str) -> tuple[S3Store, subprocess.CompletedProcess[str]]:
    """``run_id``: one per test (moto's servers in one process share one S3)."""
    s3 = boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    store = S3Store("results", s3)
    spec = parse_spec(f"name: lw\ntarget: {url}\n"
                      "load: {phases: [{name: locust, duration: 4s, users: 2, spawn_rate: 2/s}]}\n"
                      f"locust: {{file: {locustfile}}}\n", "lw.yaml")
    prepare_run(store, spec, make_plan(spec, run_id, 1, workers=1), {"run_id": run_id}, "locust", 1.0, None,
                sliced=False, hosts=HostPolicy.local(spec, ()))
    start_at = time.time() + 6  # the process imports Locust and gevent first: seconds on a busy machine
    done = subprocess.run([sys.executable, "-m", MODULE, job_key(run_id, 0), "0", f"{start_at:.3f}",
                           f"{start_at + 60:.3f}"], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env, "PYTHONPATH": str(ROOT)})
    return store, done


def test_the_process_runs_the_locustfile_and_writes_its_shards_to_the_bucket(bucket: dict[str, str],
                                                                             demo_target) -> None:
    demo = demo_target(latency="fixed:2ms")
    store, done = run_worker(bucket, ROOT / "tests" / "data" / "locust" / "two_classes.py", demo.url, "lw-runs")
    assert done.returncode == 0, done.stderr[-3000:]
    shards = [read_shard(store, key) for key in shard_keys(store, "lw-runs")]
    assert shards and shards[-1].final and shards[-1].error is None
    requests = sum(s.requests for shard in shards for w in shard.windows.values() for s in w.endpoints.values())
    assert requests == sum(demo.state.seen.values()) > 0
    assert store.list("runs/lw-runs/snapshots/")


def test_a_locustfile_that_cannot_load_ends_with_exit_1_and_a_final_shard_saying_why(
        bucket: dict[str, str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("from locust import HttpUser, task\nraise RuntimeError('no config for this stage')\n")
    store, done = run_worker(bucket, broken, "http://127.0.0.1:9", "lw-fails")
    assert done.returncode == 1
    assert "squall locust worker 0: " in done.stderr
    shards = [read_shard(store, key) for key in shard_keys(store, "lw-fails")]
    assert shards and shards[-1].final and "no config for this stage" in (shards[-1].error or "")
