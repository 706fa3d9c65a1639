"""One worker job run: a worker that fails before sending any load writes its final shard at once,
saying why, so the monitor and the verdict know without waiting out the slice; and a worker grows its
descriptor table before its load, not during it."""
from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap

import pytest

from analysis.merge import merge_shards
from analysis.verdict import missing_workers
from runner.guardrails import HostPolicy
from runner.job import WorkerJob
from runner.load.descriptors import table_size
from runner.load.job_runner import run_job
from runner.plan import make_plan
from runner.prepare import prepare_run
from runner.spec import parse_spec
from runner.store import LocalStore, read_shard, shard_keys
from tests.unit.runner.load.test_generator import OPEN


def test_a_worker_that_fails_before_sending_load_writes_its_final_error_shard_at_once(tmp_path) -> None:
    """Nobody waits out the slice for it: the monitor sees a final shard, the verdict its cause."""
    store = LocalStore(tmp_path)
    spec = parse_spec(OPEN % 100, "t.yaml")
    plan = make_plan(spec, "r", 1, workers=1)
    prepare_run(store, spec, plan, {"run_id": "r"}, "no-such-engine", 1.0, 0.0, sliced=False,
                hosts=HostPolicy((), allow_loopback=True))
    job = WorkerJob.from_dict(store.get_json("runs/r/jobs/0.json")).for_worker(0)
    with pytest.raises(ValueError, match="no-such-engine"):
        asyncio.run(run_job(job, store, start_at_epoch_s=0.0))
    [key] = shard_keys(store, "r")
    shard = read_shard(store, key)
    assert shard.final and shard.error is not None and shard.error.startswith("ValueError before sending load:")
    assert missing_workers(merge_shards([shard]), 1)[0].startswith("worker 0 failed: ValueError before sending load")


@pytest.mark.skipif(table_size() is None, reason="/proc/self/status has no FDSize here (not Linux)")
def test_a_worker_grows_its_descriptor_table_for_its_in_flight_limit_before_its_load(tmp_path) -> None:
    """Else the sockets it opens under load grow it, each growth stopping the schedule for an RCU grace period
    (runner/load/descriptors.py). Run in a fresh process, whose table starts at the smallest."""
    store = LocalStore(tmp_path)
    spec = parse_spec(OPEN.replace("2s", "0.1s") % 2000, "t.yaml")
    prepare_run(store, spec, make_plan(spec, "r", 1, workers=1), {"run_id": "r"}, "fast", 1.0, 0.0, sliced=False,
                hosts=HostPolicy((), allow_loopback=True))
    code = textwrap.dedent(f"""
        import asyncio, resource, time
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4096)), hard))  # as a worker process does
        from runner.job import WorkerJob
        from runner.load.descriptors import table_size
        from runner.load.job_runner import run_job
        from runner.store import LocalStore
        store = LocalStore({str(tmp_path)!r})
        job = WorkerJob.from_dict(store.get_json("runs/r/jobs/0.json")).for_worker(0)
        before = table_size()
        asyncio.run(run_job(job, store, start_at_epoch_s=time.time() + 0.2))
        print(before, table_size())
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    before, after = map(int, done.stdout.split())
    assert before < 2000 <= after
