"""Worker function: run one job (one worker's share of one time slice) and write its shards.

It stops 60 s before Lambda would end it, so the drain and the final shard always fit.
Invoked synchronously by the Distributed Map and never retried once it has started.
"""
from __future__ import annotations

import time
from typing import Any

import uvloop
from aws_lambda_powertools.utilities.typing import LambdaContext

from runner.aws.handlers.adapters import logger, s3_store
from runner.job import WorkerJob
from runner.load.job_runner import run_job

SAFETY_MARGIN_S = 60.0


@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    store = s3_store()
    job = WorkerJob.from_dict(store.get_json(str(event["job_key"])))
    logger.append_keys(run_id=job.run_id, worker_id=job.worker_index, slice=job.slice_index)
    deadline = time.monotonic() + context.get_remaining_time_in_millis() / 1000 - SAFETY_MARGIN_S
    generator = uvloop.run(run_job(job, store, float(event["start_at"]), deadline_mono_s=deadline, stop_poll_s=1.0))
    logger.info("worker done", extra={"stopped": generator.stopping})
    return {"run_id": job.run_id, "slice": job.slice_index, "worker": job.worker_index, "stopped": generator.stopping}
