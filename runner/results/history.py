"""Past runs in the local store, newest first. A run with no result yet is RUNNING while the squall
process that started it lives, else INTERRUPTED: what its shards hold is merged and shown (its
verdict comes from `squall collect`)."""
from __future__ import annotations

import os
from typing import Any

from analysis.merge import merge_shards
from analysis.stats import EndpointStats
from runner.plan import RunPlan
from runner.results.collect import ShardsRead, run_shards
from runner.store import LocalStore, StoreError, run_prefix


def process_alive(pid: int | None) -> bool:
    """Whether the squall process that started a run still runs (on this machine)."""
    if pid is None:
        return True  # a run from before meta.json named its process: trust the files
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def held_so_far(store: LocalStore, run_id: str) -> dict[str, Any]:
    """What an unfinished run's shards hold, in result.json's shape for the list: requests, p95,
    error rate, and the seconds measured."""
    plan = RunPlan.from_dict(store.get_json(run_prefix(run_id) + "plan.json"))
    run = merge_shards(run_shards(store, run_id, plan, ShardsRead()))
    overall: EndpointStats = run.overall
    return {"duration_s": float(run.last_second + 1) if run.timeline else 0.0,
            "overall": {"requests": overall.requests,
                        "latency": {"p95_ms": overall.latency.percentile_us(95) / 1000 if overall.requests else 0.0},
                        "error_rate": overall.error_count / overall.requests if overall.requests else 0.0}}


def list_local_runs(store_dir: str, limit: int) -> list[dict[str, Any]]:
    """Each row: run_id, spec_name, started_at_epoch_s, result (result.json, or what the shards
    hold) and state (the verdict's status, RUNNING or INTERRUPTED)."""
    store = LocalStore(store_dir)
    runs_dir = store.path("runs")
    rows: list[dict[str, Any]] = []
    if not runs_dir.is_dir():
        return rows
    for path in runs_dir.iterdir():
        prefix = run_prefix(path.name)
        try:
            meta = store.get_json(prefix + "meta.json")
            result = store.get_json(prefix + "result.json") if store.exists(prefix + "result.json") else None
        except StoreError:
            continue
        rows.append({"run_id": path.name, "spec_name": meta.get("spec_name", "?"), "pid": meta.get("pid"),
                     "started_at_epoch_s": meta.get("started_at_epoch_s", 0), "result": result})
    rows.sort(key=lambda r: r["started_at_epoch_s"], reverse=True)
    rows = rows[:limit]
    for row in rows:  # only the rows shown are read further
        if row["result"] is not None:
            row["state"] = row["result"].get("verdict", {}).get("status", "?")
        elif process_alive(row.pop("pid")):
            row["state"] = "RUNNING"
        else:
            row["state"] = "INTERRUPTED"
            try:
                row["result"] = held_so_far(store, row["run_id"])
            except (StoreError, ValueError, KeyError):
                pass  # listed as interrupted with nothing shown: collect names what is unreadable
        row.pop("pid", None)
    return rows
