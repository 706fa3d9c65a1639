"""Run one worker job: the same code in a local worker process and in the Lambda worker.

The job's slice starts at ``start_at_epoch_s`` (wall clock); the schedule itself runs on the
monotonic clock. The worker stops early when the run's stop flag appears in the store, or
when ``deadline_mono_s`` (a Lambda's remaining time, less a margin) is reached.
"""
from __future__ import annotations

import asyncio
import time

from analysis.shard import Shard
from runner.load.engines import make_engine
from runner.job import WorkerJob
from runner.plan import RunPlan
from runner.secrets import resolve_secrets, secret_references, with_secret_data
from runner.store import Store, put_with_retry, run_prefix, shard_bytes
from runner.load.generator import LoadGenerator, WorkerSettings


async def run_job(job: WorkerJob, store: Store, start_at_epoch_s: float | None = None,
                  deadline_mono_s: float | None = None, stop_poll_s: float = 0.5) -> LoadGenerator:
    spec = job.load_spec()
    secrets: dict[str, str] = {}
    references = secret_references(spec)
    if references:
        import boto3
        session = boto3.Session()
        secrets = await asyncio.get_running_loop().run_in_executor(
            None, resolve_secrets, references, lambda service: session.client(service))
        spec = with_secret_data(spec, secrets)
    plan = RunPlan.from_dict(job.plan)
    start_at = start_at_epoch_s if start_at_epoch_s is not None else job.start_at_epoch_s
    if start_at is None:
        raise ValueError(f"{job.key}: no start time (pass start_at)")
    engine = make_engine(job.engine, spec.target.timeout_s, spec.target.verify_tls, spec.target.http2)
    stop_key = run_prefix(job.run_id) + "control/stop"
    loop = asyncio.get_running_loop()

    def write(shard: Shard) -> None:
        put_with_retry(store, *shard_bytes(shard))  # transient failures: backoff; permanent: raises

    async def sink(shard: Shard) -> None:
        # A taken shard's windows are never touched again (the recorder records into fresh
        # ones), so encoding and writing happen in a thread, off the event loop.
        await loop.run_in_executor(None, write, shard)

    def stop_requested() -> bool:
        if deadline_mono_s is not None and time.monotonic() >= deadline_mono_s:
            return True
        return store.exists(stop_key)

    # Run second 0 is the run's start: the slice's start minus the slice's offset.
    start_mono_s = time.monotonic() + (start_at - time.time()) - job.slice_offset_s
    settings = WorkerSettings(job.worker_index, job.slice_index, job.flush_interval_s, stop_poll_s,
                              window_start_s=job.slice_offset_s,
                              window_end_s=job.slice_offset_s + job.slice_duration_s)
    generator = LoadGenerator(spec, plan, settings, engine, sink, start_mono_s, clock=time.monotonic,
                              sleep=asyncio.sleep, stop_requested=stop_requested, secrets=secrets)
    try:
        await generator.run()
    finally:
        await engine.close()
    return generator
