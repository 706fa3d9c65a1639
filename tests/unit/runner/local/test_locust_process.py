"""The local Locust worker process (runner/local/locust_process.py), run as the local backend runs
it (`python -m runner.local.locust_process STORE JOB_KEY WORKER`): gevent patches the interpreter
as the module is imported, so it is never imported here. It runs the locustfile from the run's
start instant and records ordinary shards; a locustfile that cannot load ends it with exit 1 and
the error on stderr, which the local backend shows."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from runner.guardrails import HostPolicy
from runner.job import job_key
from runner.plan import make_plan
from runner.prepare import prepare_run
from runner.spec import parse_spec
from runner.store import LocalStore, read_shard, run_prefix, shard_keys

ROOT = Path(__file__).resolve().parents[4]
MODULE = "runner.local.locust_process"


def prepared(tmp_path: Path, locustfile: Path, url: str) -> LocalStore:
    spec = parse_spec(f"name: lp\ntarget: {url}\n"
                      "load: {phases: [{name: locust, duration: 4s, users: 2, spawn_rate: 2/s}]}\n"
                      f"locust: {{file: {locustfile}}}\n", "lp.yaml")
    store = LocalStore(tmp_path / "store")
    prepare_run(store, spec, make_plan(spec, "lp-run", 1, workers=1), {"run_id": "lp-run"}, "locust", 1.0, None,
                sliced=False, hosts=HostPolicy.local(spec, ()))
    # the process imports Locust and gevent first: seconds on a busy machine
    store.put_json(run_prefix("lp-run") + "start.json", {"start_at_epoch_s": time.time() + 6})
    return store


def worker(store: LocalStore) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", MODULE, str(store.root), job_key("lp-run", 0), "0",
                           "--parent-pid", str(os.getpid())], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_the_process_runs_the_locustfile_from_the_start_instant_and_records_every_request(
        tmp_path: Path, demo_target) -> None:
    demo = demo_target(latency="fixed:2ms")
    store = prepared(tmp_path, ROOT / "tests" / "data" / "locust" / "two_classes.py", demo.url)
    done = worker(store)
    assert done.returncode == 0, done.stderr[-3000:]
    shards = [read_shard(store, key) for key in shard_keys(store, "lp-run")]
    assert shards and shards[-1].final and shards[-1].error is None
    requests = sum(s.requests for shard in shards for w in shard.windows.values() for s in w.endpoints.values())
    assert requests == sum(demo.state.seen.values()) > 0


def test_a_locustfile_that_cannot_load_ends_the_process_with_exit_1_and_says_why(tmp_path: Path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("from locust import HttpUser, task\nraise RuntimeError('no config for this stage')\n")
    store = prepared(tmp_path, broken, "http://127.0.0.1:9")
    done = worker(store)
    assert done.returncode == 1
    assert "squall locust worker 0: " in done.stderr and "no config for this stage" in done.stderr
