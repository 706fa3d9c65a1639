"""The Lambda bundle as `cdk deploy` builds it (infra/bundling.py: pip, for Lambda's platform
tags and Python), built here for x86_64 so it can run here, on CPython 3.13 as Lambda runs it:
with nothing but the standard library, the bundle and boto3 (which the runtime provides), every
handler imports, and a locustfile runs on the bundle's Locust against a local server."""
from __future__ import annotations

import glob
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from aws_cdk import aws_lambda as lambda_

from infra.bundling import PipBundling
from runner.guardrails import HostPolicy
from runner.job import job_key
from runner.plan import make_plan
from runner.prepare import prepare_run
from runner.spec import parse_spec
from runner.store import LocalStore, read_shard, run_prefix, shard_keys

ROOT = Path(__file__).resolve().parents[2]
# what Lambda's Python runtime has beside the bundle: boto3 and what botocore needs (urllib3 among them)
RUNTIME = ("boto3==1.44.8", "botocore==1.44.8", "s3transfer==0.19.3", "jmespath==1.1.0",
           "python-dateutil==2.9.0.post0", "six==1.17.0", "urllib3==2.8.0")
LAMBDA_PYTHON = next(iter(sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.13*/bin/python3.13")) +
                                 [p for p in ("/usr/bin/python3.13", "/usr/local/bin/python3.13") if Path(p).exists()])),
                     None)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    if LAMBDA_PYTHON is None:
        pytest.skip("python3.13 not found: the Lambda bundle's check needs Lambda's Python (make test says so too)")
    root = tmp_path_factory.mktemp("bundle")
    PipBundling(lambda_.Architecture.X86_64).try_bundle(str(root / "task"), image=None)  # type: ignore[arg-type]
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(root / "runtime"),
                    *RUNTIME], check=True)
    # -S: no site-packages, only the standard library and PYTHONPATH (/var/task, then the runtime's)
    return {"PATH": os.environ["PATH"], "PYTHONPATH": f"{root / 'task'}{os.pathsep}{root / 'runtime'}",
            "HOME": str(root), "AWS_DEFAULT_REGION": "us-east-1", "SQUALL_BUCKET": "unused"}


@pytest.fixture(scope="module")
def lean_bundle(bundle: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The plan, monitor and collect functions' bundle: no Locust stack."""
    root = tmp_path_factory.mktemp("lean")
    PipBundling(lambda_.Architecture.X86_64, with_locust=False).try_bundle(str(root / "task"), image=None)  # type: ignore[arg-type]
    runtime = bundle["PYTHONPATH"].split(os.pathsep)[1]
    return {**bundle, "PYTHONPATH": f"{root / 'task'}{os.pathsep}{runtime}"}


def on_lambda_python(code: str, env: dict[str, str], cwd: Path) -> str:
    """Run ``code`` on CPython 3.13 with only the standard library and ``env``'s PYTHONPATH; its output."""
    done = subprocess.run([str(LAMBDA_PYTHON), "-S", "-c", code], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip()


def size_mb(folder: str) -> float:
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file()) / 1e6


def test_the_control_functions_bundle_leaves_locust_out_and_their_handlers_import_from_it(
        bundle: dict[str, str], lean_bundle: dict[str, str], tmp_path: Path) -> None:
    assert on_lambda_python("import runner.aws.handlers.plan, runner.aws.handlers.monitor, "
                            "runner.aws.handlers.collect\nimport importlib.util; "
                            "print(importlib.util.find_spec('locust') is None)", lean_bundle, tmp_path) == "True"
    full, lean = (size_mb(b["PYTHONPATH"].split(os.pathsep)[0]) for b in (bundle, lean_bundle))
    print(f"bundles unpacked: worker {full:.1f} MB, plan/monitor/collect {lean:.1f} MB")
    assert lean < full * 0.7


def test_every_handler_imports_from_the_bundle_alone(bundle: dict[str, str], tmp_path: Path) -> None:
    assert on_lambda_python("import runner.aws.handlers.plan, runner.aws.handlers.worker, "
                            "runner.aws.handlers.monitor, runner.aws.handlers.collect, sys; "
                            "print(sys.version_info[:2])", bundle, tmp_path) == "(3, 13)"


def test_a_locustfile_runs_on_the_bundles_locust(bundle: dict[str, str], tmp_path: Path, demo_target) -> None:
    demo = demo_target(latency="fixed:2ms")
    spec = parse_spec(f"name: bundle\ntarget: {demo.url}\n"
                      "load: {phases: [{name: locust, duration: 3s, users: 2, spawn_rate: 2/s}]}\n"
                      f"locust: {{file: {ROOT / 'tests' / 'data' / 'locust' / 'two_classes.py'}}}\n", "bundle.yaml")
    plan = make_plan(spec, "bundle-run", 1, workers=1)
    store = LocalStore(tmp_path / "store")
    prepare_run(store, spec, plan, {"run_id": "bundle-run"}, "locust", 1.0, None, sliced=False,
                hosts=HostPolicy.local(spec, ()))
    store.put_json(run_prefix("bundle-run") + "start.json", {"start_at_epoch_s": time.time() + 2})
    done = subprocess.run([str(LAMBDA_PYTHON), "-S", "-m", "runner.local.locust_process", str(store.root),
                           job_key("bundle-run", 0), "0"], cwd=tmp_path, env=bundle, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    shards = [read_shard(store, key) for key in shard_keys(store, "bundle-run")]
    assert shards and shards[-1].final and shards[-1].error is None
    requests = sum(s.requests for shard in shards for w in shard.windows.values() for s in w.endpoints.values())
    assert requests == sum(demo.state.seen.values()) > 10


def test_the_bundle_carries_bytecode_for_lambda_s_python_and_none_for_the_build_machine_s(
        bundle: dict[str, str]) -> None:
    """Before: .pyc for CPython 3.11 (the build host) and none for 3.13, so every cold start compiled
    every module from source (handler imports 416-470 ms instead of 266-303 ms, in the issue)."""
    task = Path(bundle["PYTHONPATH"].split(os.pathsep)[0])
    assert list(task.glob("runner/aws/handlers/__pycache__/worker.cpython-313.pyc"))
    assert list(task.glob("locust/__pycache__/*.cpython-313.pyc"))
    assert not list(task.glob("**/*.cpython-311.pyc"))
