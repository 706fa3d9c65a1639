"""Entry point of one local worker process that runs a locustfile on Locust (gevent): the
monkey-patching comes first, before anything imports the standard library's sockets.

Exit codes: 0 done (also when stopped), 1 the worker failed (its final shard says why).
"""
from gevent import monkey

monkey.patch_all()

import os  # noqa: E402 - after the monkey-patching, on purpose
import sys  # noqa: E402

from runner.load.locust_runner import run_locust_job  # noqa: E402
from runner.local.worker_process import await_start, worker_start  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    store, job, lifeline = worker_start(argv, "squall-locust-worker")
    from locust.log import setup_logging
    try:  # as `locust` sets logging up: the file's own logs show (--loglevel, INFO by default)
        setup_logging(os.environ.get("SQUALL_LOCUST_LOGLEVEL", "INFO"))  # type: ignore[no-untyped-call]
    except ValueError:  # a level Locust does not know: its default
        setup_logging("INFO")  # type: ignore[no-untyped-call]
    try:
        job.load_spec()
        run_locust_job(job, store, await_start(store, job, lifeline), stop_now=lifeline.cut, guard_sockets=True)
    except Exception as error:  # noqa: BLE001 - reported in the final shard and here
        print(f"squall locust worker {job.worker_index}: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
