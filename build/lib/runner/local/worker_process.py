"""Entry point of one local worker process: read its job from the store, run the load
generator on uvloop, write shards back. The local backend starts one per core; a Lambda
handler will call ``run_job`` the same way.

Exit codes: 0 done (also when stopped), 1 the worker failed (its final shard says why).
"""
from __future__ import annotations

import argparse
import os
import resource
import signal
import sys
import time

from runner.job import WorkerJob
from runner.load.gc_policy import settle_for_load
from runner.load.job_runner import run_job
from runner.local.lifeline import Lifeline
from runner.store import LocalStore, run_prefix


def raise_file_limit() -> None:
    """Each in-flight request holds a socket: allow as many as the hard limit permits."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY else 1 << 16, hard))


def await_start(store: LocalStore, job: WorkerJob, lifeline: Lifeline, timeout_s: float = 120.0) -> float:
    """Say this worker is ready, then wait for the start instant the parent sets once every
    worker is ready (so a slow start of one process cannot make the others' arrivals late)."""
    prefix = run_prefix(job.run_id)
    store.put_bytes(f"{prefix}ready/{job.slice_index}/{job.worker_index}", b"ready\n")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if lifeline.cut():
            raise StoppedBeforeStart("stopped before the start (signalled, or the squall process is gone)")
        if store.exists(prefix + "start.json"):
            return float(store.get_json(prefix + "start.json")["start_at_epoch_s"])
        time.sleep(0.01)
    raise TimeoutError(f"no start instant after {timeout_s:g} s")


def worker_start(argv: list[str] | None, prog: str) -> tuple[LocalStore, WorkerJob, Lifeline]:
    """What every local worker process does first: its arguments, Ctrl-C left to the parent, its
    lifeline to the parent (SIGTERM, SIGHUP or the parent's death stop it), pinning
    (SQUALL_WORKER_CPUS), the file limit, and its job."""
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("store")
    parser.add_argument("job_key")
    parser.add_argument("worker_index", type=int)
    parser.add_argument("--parent-pid", type=int, default=None)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent turns Ctrl-C into the stop flag
    lifeline = Lifeline(args.parent_pid if args.parent_pid is not None else os.getppid())
    lifeline.hold()
    cpus = os.environ.get("SQUALL_WORKER_CPUS")  # e.g. "0": pin workers (the benchmark does)
    if cpus:
        os.sched_setaffinity(0, {int(c) for c in cpus.split(",")})
    raise_file_limit()
    store = LocalStore(args.store)
    return store, WorkerJob.from_dict(store.get_json(args.job_key)).for_worker(args.worker_index), lifeline


class StoppedBeforeStart(Exception):
    """The worker was stopped before the run's start instant: it sent nothing."""


def main(argv: list[str] | None = None) -> int:
    store, job, lifeline = worker_start(argv, "squall-worker")
    try:
        import uvloop
        job.load_spec()  # everything imported and parsed before saying ready
        settle_for_load()  # the garbage collector kept out of the schedule
        # ready (and waiting for the start instant) only once its secrets are read and its engine made
        uvloop.run(run_job(job, store, job.start_at_epoch_s, await_start=lambda: await_start(store, job, lifeline),
                           stop_now=lifeline.cut))
    except Exception as error:  # noqa: BLE001 - reported in the final shard and here
        print(f"squall worker {job.worker_index}: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
