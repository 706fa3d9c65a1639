"""The process a Lambda worker starts for a locustfile run (runner.aws.handlers.worker): gevent's
monkey-patching comes first, before anything imports the standard library's sockets, so Locust's
greenlets never meet the handler's own interpreter state. Arguments: the job's key, the worker's
index, the slice's start instant and the invocation's end (epoch seconds).

Exit codes: 0 done (also when stopped), 1 the worker failed (its final shard says why).
"""
from gevent import monkey

monkey.patch_all()

import sys  # noqa: E402 - after the monkey-patching, on purpose
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

from runner.aws.handlers.adapters import s3_store, stop_flag_store  # noqa: E402
from runner.job import WorkerJob  # noqa: E402
from runner.load.gc_policy import settle_for_load  # noqa: E402
from runner.load.locust_runner import run_locust_job  # noqa: E402


def main(argv: list[str]) -> int:
    job_key, worker, start_at, lambda_end = argv
    store = s3_store()
    job = WorkerJob.from_dict(store.get_json(job_key)).for_worker(int(worker))
    try:
        settle_for_load()
        with tempfile.TemporaryDirectory(prefix="squall-locust-") as folder:  # Lambda's /tmp
            run_locust_job(job, store, float(start_at), stop_poll_s=1.0, stop_store=stop_flag_store(),
                           lambda_end_epoch_s=float(lambda_end), folder=Path(folder), snapshot=True)
    except Exception as error:  # noqa: BLE001 - reported in the final shard and here
        print(f"squall locust worker {job.worker_index}: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
