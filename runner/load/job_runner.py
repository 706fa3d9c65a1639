"""Run one worker job: the same code in a local worker process and in the Lambda worker.

The job's slice starts at ``start_at_epoch_s`` (wall clock); the schedule itself runs on the
monotonic clock. The worker stops early when the run's stop flag appears in the store. In a
Lambda (``lambda_end_epoch_s``) its time budget is derived from the slice's start: it sends
until the planned end unless the invocation ends too soon for drain and final flush, and then
counts what it could not send as cut.

The stop flag is polled off the event loop (a thread), so a slow or failing store never
stalls the schedule; an error reading it means "not stopped" and is logged.
"""
from __future__ import annotations

import asyncio
import functools
import logging
import os
import random
import time
from collections.abc import Callable
from typing import Any

from analysis.shard import Shard
from runner.guardrails import HostPolicy
from runner.job import WorkerJob
from runner.load.descriptors import reserve_descriptors
from runner.load.engines import make_engine
from runner.load.engines.base import Engine
from runner.load.gc_policy import FlushCollector
from runner.load.generator import LoadGenerator, WorkerSettings
from runner.load.recorder import Recorder
from runner.plan import RunPlan, WorkerBudget
from runner.secrets import env_references, resolve_environment, resolve_secrets, secret_references, with_secret_data
from runner.spec import Spec
from runner.store import Store, put_with_retry, shard_bytes, shard_pieces, shard_store_key, stop_flag_key

log = logging.getLogger(__name__)
DESCRIPTORS_BESIDE_SOCKETS = 64  # the store's, the logs', the runtime's


@functools.cache
def secret_client(service: str) -> Any:
    """One client per service for this process's life: a warm Lambda keeps it, and with it the
    values Powertools cached for it (runner.secrets), from one slice to the next."""
    import boto3
    from botocore.config import Config
    return boto3.Session().client(service, config=Config(retries={"mode": "adaptive", "max_attempts": 10}))


async def _prepare(job: WorkerJob, start_at: float | None, max_connections: int | None) -> \
        tuple[Spec, dict[str, str], RunPlan, Engine]:
    """Everything before the first request: the spec, its secrets, the plan, the engine."""
    spec = job.load_spec()
    plan = RunPlan.from_dict(job.plan)
    secrets: dict[str, str] = {}
    references = secret_references(spec)
    if references:
        # Hundreds of workers start together and SSM answers about 40 reads/s: spread the first
        # reads over part of the start margin, and let botocore back off adaptively on throttling.
        if start_at is not None:
            await asyncio.sleep(random.uniform(0, min(plan.workers / 40, max(0.0, start_at - time.time() - 2) / 2)))
        secrets = await asyncio.get_running_loop().run_in_executor(None, resolve_secrets, references, secret_client)
    environment = env_references(spec)
    if environment:
        secrets.update(resolve_environment(environment, os.environ))
    if secrets:
        spec = with_secret_data(spec, secrets)
    limit = min(filter(None, (spec.limits.max_connections, max_connections)), default=None)
    engine = make_engine(job.engine, spec.target.timeout_s, spec.target.verify_tls, spec.target.http2,
                         max_body_bytes=spec.limits.max_body_bytes, **({"max_connections": limit} if limit else {}))
    return spec, secrets, plan, engine


async def run_job(job: WorkerJob, store: Store, start_at_epoch_s: float | None = None,
                  lambda_end_epoch_s: float | None = None, stop_poll_s: float = 0.5,
                  stop_store: Store | None = None, max_connections: int | None = None,
                  await_start: Callable[[], float] | None = None,
                  stop_now: Callable[[], str | None] = lambda: None) -> LoadGenerator:
    """``stop_store``: the store to poll the stop flag in (the same bucket with short timeouts).
    ``max_connections``: the most sockets the engine opens, and so the most requests in flight
    (a Lambda's 1,024 file descriptors must also hold the store's connections); None: the
    engine's own default, and the plan's in-flight limit alone. ``await_start``: with no start
    instant known yet, called once the worker is prepared (its secrets read, its engine made) to
    say so and wait for the instant (a local worker's parent sets it once every worker is ready:
    secrets read after it made the first arrivals late). ``stop_now``: why the worker must stop with
    no stop flag (a local worker whose parent is gone, or that was sent SIGTERM), or None; checked
    at every stop poll, and the reason is written in its final shard (the run was cut short)."""
    start_at = start_at_epoch_s if start_at_epoch_s is not None else job.start_at_epoch_s
    try:
        if start_at is None and await_start is None:
            raise ValueError(f"{job.key}: no start time (pass start_at)")
        spec, secrets, plan, engine = await _prepare(job, start_at, max_connections)
        # the sockets it may open (one a request in flight), and the store's, fit the descriptor table
        # before the start, not while the load grows it (runner/load/descriptors.py)
        reserve_descriptors(plan.in_flight_limit(max_connections) + DESCRIPTORS_BESIDE_SOCKETS)
        if start_at is None and await_start is not None:
            start_at = await asyncio.get_running_loop().run_in_executor(None, await_start)
    except Exception as failure:
        # Before any load: say so in a final shard at once, so nobody waits out the slice for
        # this worker, and the verdict names the cause.
        shard = Recorder(job.run_id, job.slice_index, job.worker_index, time.monotonic()).take_shard(
            final=True, error=f"{type(failure).__name__} before sending load: {failure}")
        shard.ended_at_epoch_s = time.time()
        await asyncio.get_running_loop().run_in_executor(None, lambda: put_with_retry(store, *shard_bytes(shard)))
        raise
    assert start_at is not None  # given, or waited for above
    stop_key = stop_flag_key(job.run_id, job.worker_index)  # its key group's: request_stop writes every one
    loop = asyncio.get_running_loop()

    async def sink(shard: Shard) -> None:
        # Encoded on the loop a window at a time, a turn of the loop between windows (in a thread on the
        # same core it took the loop off the CPU for the whole shard: runner.store.shard_pieces); a taken
        # shard's windows are never touched again (the recorder records into fresh ones), so the load may
        # go on between pieces. Written in a thread (transient failures: backoff; permanent: raises).
        pieces = []
        for piece in shard_pieces(shard):
            pieces.append(piece)
            await asyncio.sleep(0)
        await loop.run_in_executor(None, put_with_retry, store, shard_store_key(shard), b"".join(pieces))

    stopped = False

    def read_stop_flag() -> bool:
        try:
            return (stop_store or store).exists(stop_key)
        except Exception as error:  # noqa: BLE001 - any failure to read the flag means "not stopped"
            log.warning("stop flag %s not read (taken as not stopped): %s", stop_key, error)
            return False

    async def poll_stop_flag() -> None:
        nonlocal stopped
        while not stopped:
            stopped = bool(cut_short()) or await loop.run_in_executor(None, read_stop_flag)
            await asyncio.sleep(stop_poll_s)

    def cut_short() -> bool:
        """A stop nobody asked for with the flag: the generator's final shard says why."""
        reason = stop_now()
        if reason and generator.interrupted is None:
            generator.interrupted = reason
        return bool(reason)

    # Run second 0 is the run's start: the slice's start minus the slice's offset.
    now_mono_s, now_epoch_s = time.monotonic(), time.time()
    start_mono_s = now_mono_s + (start_at - now_epoch_s) - job.slice_offset_s
    send_until_s = drain_until_s = float("inf")
    if lambda_end_epoch_s is not None:
        budget = WorkerBudget.for_slice(start_at, job.slice_duration_s, spec.limits.drain_s, lambda_end_epoch_s)
        send_until_s = now_mono_s + (budget.send_until_epoch_s - now_epoch_s)
        drain_until_s = now_mono_s + (budget.drain_until_epoch_s - now_epoch_s)
        if budget.cut_short:
            log.warning("this invocation ends too soon for the whole slice: load stops %.1f s before its planned "
                        "end; the arrivals not sent are counted as cut",
                        start_at + job.slice_duration_s - budget.send_until_epoch_s)
    collector = FlushCollector()  # the garbage collector, at the flushes only
    settings = WorkerSettings(job.worker_index, job.slice_index, job.flush_interval_s, stop_poll_s,
                              window_start_s=job.slice_offset_s,
                              window_end_s=job.slice_offset_s + job.slice_duration_s)
    generator = LoadGenerator(spec, plan, settings, engine, sink, start_mono_s, clock=time.monotonic,
                              sleep=asyncio.sleep, stop_requested=lambda: stopped or cut_short(), secrets=secrets,
                              send_until_s=send_until_s, drain_until_s=drain_until_s,
                              hosts=HostPolicy(job.allowed_hosts, job.allow_loopback), snapshot_sink=sink,
                              max_in_flight=max_connections, at_flush=collector.at_flush)
    poller = asyncio.ensure_future(poll_stop_flag())
    try:
        with collector.automatic_off():
            await generator.run()
    finally:
        poller.cancel()
        await engine.close()
    return generator
