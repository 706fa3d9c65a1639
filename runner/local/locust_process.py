"""Entry point of one local worker process that runs a locustfile on Locust (gevent): the
monkey-patching comes first, before anything imports the standard library's sockets.

Exit codes: 0 done (also when stopped), 1 the worker failed (its final shard says why).
"""
from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402 - after the monkey-patching, on purpose
import os  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402

from runner.job import WorkerJob  # noqa: E402
from runner.load.locust_runner import run_locust_job  # noqa: E402
from runner.local.worker_process import await_start, raise_file_limit  # noqa: E402
from runner.store import LocalStore  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="squall-locust-worker")
    parser.add_argument("store")
    parser.add_argument("job_key")
    parser.add_argument("worker_index", type=int)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent turns Ctrl-C into the stop flag
    cpus = os.environ.get("SQUALL_WORKER_CPUS")  # e.g. "0": pin workers (the benchmark does)
    if cpus:
        os.sched_setaffinity(0, {int(c) for c in cpus.split(",")})
    raise_file_limit()
    store = LocalStore(args.store)
    job = WorkerJob.from_dict(store.get_json(args.job_key)).for_worker(args.worker_index)
    try:
        job.load_spec()
        run_locust_job(job, store, await_start(store, job))
    except Exception as error:  # noqa: BLE001 - reported in the final shard and here
        print(f"squall locust worker {job.worker_index}: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
