"""Worker function: run one job (one worker's share of one time slice) and write its shards.

Its time budget comes from the slice's start instant and the invocation's end
(runner.plan.WorkerBudget): the drain and the final shard always fit; load it cannot send
in time is counted as cut. Invoked synchronously by the Distributed Map and never retried
once it has started.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

import uvloop
from aws_lambda_powertools.utilities.typing import LambdaContext

from runner.aws.handlers.adapters import logger, s3_store, stop_flag_store
from runner.job import WorkerJob
from runner.load.gc_policy import settle_for_load
from runner.load.job_runner import run_job

# A Lambda execution environment has 1,024 file descriptors: the engine's sockets (and so the
# requests in flight) stay below that, leaving room for the S3 clients, logs and the runtime.
MAX_CONNECTIONS = 900


@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    store = s3_store()
    job = WorkerJob.from_dict(store.get_json(str(event["job_key"]))).for_worker(int(event["worker"]))
    logger.append_keys(run_id=job.run_id, worker_id=job.worker_index, slice=job.slice_index)
    lambda_end_epoch_s = time.time() + context.get_remaining_time_in_millis() / 1000
    if job.spec.get("locust"):
        return _run_locustfile(event, context, lambda_end_epoch_s)
    settle_for_load()  # the garbage collector kept out of the schedule
    generator = uvloop.run(run_job(job, store, float(event["start_at"]), lambda_end_epoch_s=lambda_end_epoch_s,
                                   stop_poll_s=1.0, stop_store=stop_flag_store(), max_connections=MAX_CONNECTIONS))
    logger.info("worker done", extra={"stopped": generator.stopping})
    return {}  # results are in S3: nothing for the Map to hold, whatever the number of workers


def _run_locustfile(event: dict[str, Any], context: LambdaContext, lambda_end_epoch_s: float) -> dict[str, Any]:
    """A locustfile runs on Locust (gevent) in a process of its own (runner.aws.locust_worker),
    so the monkey-patching never touches this interpreter, which Lambda reuses."""
    command = [sys.executable, "-m", "runner.aws.locust_worker", str(event["job_key"]), str(event["worker"]),
               str(event["start_at"]), f"{lambda_end_epoch_s:.3f}"]
    # the process is this function's (Lambda sets the name too; said here for whoever runs it)
    environment = {**os.environ, "AWS_LAMBDA_FUNCTION_NAME": context.function_name}
    try:
        done = subprocess.run(command, env=environment, timeout=max(1.0, lambda_end_epoch_s - time.time() - 1.0))
    except subprocess.TimeoutExpired:
        raise RuntimeError("the Locust worker process outlived the invocation: it was stopped") from None
    logger.info("locust worker done", extra={"exit_code": done.returncode})
    if done.returncode != 0:
        raise RuntimeError(f"the Locust worker process failed (exit {done.returncode}): its final shard says why")
    return {}
