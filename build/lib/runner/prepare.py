"""Write a planned run into a store: spec, plan, meta, one job per worker and slice, and
per slice the manifest of its jobs (what a Step Functions Distributed Map reads items from).
"""
from __future__ import annotations

from typing import Any

from runner.guardrails import HostPolicy
from runner.job import WorkerJob, spec_document
from runner.plan import RunPlan, SlicePlan
from runner.spec import Spec
from runner.store import Store, run_prefix


def slice_manifest_key(run_id: str, slice_index: int) -> str:
    return f"{run_prefix(run_id)}slices/{slice_index}.json"


def prepare_run(store: Store, spec: Spec, plan: RunPlan, meta: dict[str, Any], engine: str,
                flush_interval_s: float, start_at_epoch_s: float | None, sliced: bool,
                hosts: HostPolicy) -> list[SlicePlan]:
    """Returns the slices written: the plan's slices, or one for the whole run when unsliced.
    ``hosts``: what every worker may send to (checked per request)."""
    prefix = run_prefix(plan.run_id)
    document = spec_document(spec)
    store.put_json(prefix + "spec.json", document)
    store.put_json(prefix + "plan.json", plan.to_dict())
    store.put_json(prefix + "meta.json", meta)
    slices = list(plan.slices) if sliced else [SlicePlan(0, 0.0, plan.duration_s)]
    for slice_ in slices:
        job = WorkerJob(plan.run_id, slice_.index, 0, start_at_epoch_s, engine, flush_interval_s,
                        slice_.offset_s, slice_.duration_s, document, plan.to_dict(),
                        hosts.patterns, hosts.allow_loopback)
        store.put_json(job.key, job.to_dict())  # one per slice: each worker is given its index
        store.put_json(slice_manifest_key(plan.run_id, slice_.index),
                       [{"job_key": job.key, "worker": worker_index} for worker_index in range(plan.workers)])
    return slices
