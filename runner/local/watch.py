"""`squall watch RUN_ID` for a local run going on in another terminal: the progress line and,
with --ui, the same live page, merged from the run's shards as they arrive in the store; Stop
(or Ctrl-C here) sets the run's stop flag. Ends with the run's result when it has one."""
from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from analysis.result import explanation
from runner.job import WorkerJob, job_key
from runner.local.backend import publish_live
from runner.plan import RunPlan
from runner.preflight import CouldNotRun
from runner.results.history import process_alive
from runner.results.live import LiveView
from runner.results.live_server import LiveServer
from runner.store import LocalStore, StoreError, request_stop, run_prefix

REPORT_WAIT_S = 30.0  # after result.json, for the reports the run writes next


# complexity: the watch loop: a run's states (running, stopped, gone, collected) each a branch
def watch_local(store_dir: str, run_id: str, progress: Callable[[str, bool], None],
                stop_requested: Callable[[], int] = lambda: 0, live_server: LiveServer | None = None,
                poll_s: float = 1.0) -> dict[str, Any]:
    store = LocalStore(store_dir)
    prefix = run_prefix(run_id)
    if not store.exists(prefix + "meta.json"):
        raise CouldNotRun(f"no run {run_id} in {store_dir}")
    try:
        meta = store.get_json(prefix + "meta.json")
        plan = RunPlan.from_dict(store.get_json(prefix + "plan.json"))
        job = WorkerJob.from_dict(store.get_json(job_key(run_id, 0)))
    except (StoreError, KeyError, TypeError) as error:
        raise CouldNotRun(f"run {run_id} in {store_dir} cannot be read: {error}") from None
    spec = job.load_spec()
    live = LiveView(plan)
    stopped = False
    while not store.exists(prefix + "result.json"):
        if not process_alive(meta.get("pid")) and not store.exists(prefix + "result.json"):
            raise CouldNotRun(f"run {run_id} is no longer running and left no result (its process ended): "
                              f"`squall collect {run_id}` merges and judges what it wrote")
        wanted = stop_requested() or (live_server is not None and live_server.stop_requested.is_set())
        if wanted and not stopped:
            stopped = True
            request_stop(store, run_id, b"stopped by squall watch\n")
            progress("stopping: the run finishes its in-flight work", True)
        start_at = store.get_json(prefix + "start.json")["start_at_epoch_s"] \
            if store.exists(prefix + "start.json") else None
        if start_at is None:
            progress(f"{run_id}: waiting for its workers to start", False)
        else:
            live.read_new(store, run_id)
            elapsed_s = time.time() - start_at
            progress(live.line(elapsed_s, job.flush_interval_s), False)
            if live_server is not None:
                publish_live(live_server, live, spec, elapsed_s, job.flush_interval_s,
                             "stopping" if stopped or store.exists(prefix + "control/stop") else "running")
        time.sleep(poll_s)
    result = dict(store.get_json(prefix + "result.json"))
    if live_server is not None:
        report = store.root / prefix / "reports" / "report.html"
        deadline = time.monotonic() + REPORT_WAIT_S
        while not report.is_file() and process_alive(meta.get("pid")) and time.monotonic() < deadline:
            time.sleep(0.2)
        live.read_new(store, run_id)
        start_at = float(store.get_json(prefix + "start.json")["start_at_epoch_s"])
        publish_live(live_server, live, spec, time.time() - start_at, 0.0, result["verdict"]["status"],
                     {"status": result["verdict"]["status"], "reasons": explanation(result["verdict"])},
                     Path(report))
    return result
