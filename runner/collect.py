"""Collect a run: read its shards from the store, merge, judge, and write ``result.json``.
Malformed shards are set aside with their key named; they never poison the merge."""
from __future__ import annotations

from typing import Any

from analysis.merge import merge_shards
from analysis.result import build_result
from analysis.shard import Shard
from analysis.verdict import judge
from runner.job import WorkerJob
from runner.plan import RunPlan, target_rate_per_second
from runner.store import Store, read_shard, run_prefix, shard_keys


def read_all_shards(store: Store, run_id: str) -> tuple[list[Shard], list[str]]:
    shards: list[Shard] = []
    rejected: list[str] = []
    for key in shard_keys(store, run_id):
        try:
            shards.append(read_shard(store, key))
        except ValueError as error:
            rejected.append(str(error))
    return shards, rejected


def collect(store: Store, run_id: str, stopped: bool = False) -> dict[str, Any]:
    prefix = run_prefix(run_id)
    meta = store.get_json(prefix + "meta.json")
    plan = RunPlan.from_dict(store.get_json(prefix + "plan.json"))
    job = WorkerJob.from_dict(store.get_json(f"{prefix}jobs/0/0.json"))
    spec = job.load_spec()
    shards, rejected = read_all_shards(store, run_id)
    run = merge_shards(shards)
    stopped = stopped or store.exists(prefix + "control/stop")
    measured_s = plan.duration_s
    if stopped and run.timeline:
        measured_s = min(plan.duration_s, float(run.last_second + 1))
    verdict = judge(run, spec.thresholds, measured_s, spec.limits.health, plan.workers, stopped=stopped)
    result = build_result(run, verdict, {**meta, "plan": {**plan.to_dict(), "expected_requests": plan.expected_requests},
                                         "rejected_shards": rejected}, measured_s, target_rate_per_second(plan))
    store.put_json(prefix + "result.json", result)
    return result
