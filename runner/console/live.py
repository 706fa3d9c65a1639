"""The console's live view of a local run going on: merged from the run's shards as they arrive
in the store (runner.results.live, as `squall watch` does), drawn by the same live page as
`squall run --ui`. What it keeps between reads is derived from the store: dropping it loses
nothing but the work of merging again."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from analysis.result import explanation
from runner.job import WorkerJob, job_key
from runner.plan import RunPlan
from runner.results.history import process_alive
from runner.results.live import LiveView
from runner.spec import Spec
from runner.store import LocalStore, StoreError, request_stop, run_prefix


@dataclass
class _Followed:
    live: LiveView
    spec: Spec
    flush_interval_s: float
    pid: int | None


class LiveRuns:
    """The live state of each local run someone looks at."""

    def __init__(self, store: LocalStore) -> None:
        self.store = store
        self._followed: dict[str, _Followed] = {}
        self._lock = threading.Lock()

    def _follow(self, run_id: str) -> _Followed:
        with self._lock:
            if run_id not in self._followed:
                prefix = run_prefix(run_id)
                meta = self.store.get_json(prefix + "meta.json")
                plan = RunPlan.from_dict(self.store.get_json(prefix + "plan.json"))
                job = WorkerJob.from_dict(self.store.get_json(job_key(run_id, 0)))
                self._followed[run_id] = _Followed(LiveView(plan), job.load_spec(), job.flush_interval_s,
                                                   meta.get("pid"))
            return self._followed[run_id]

    def snapshot(self, run_id: str) -> dict[str, Any]:
        """What the live page draws now; once the run has its result, its verdict (and the report)."""
        prefix = run_prefix(run_id)
        try:
            followed = self._follow(run_id)
        except (StoreError, KeyError, TypeError, ValueError) as error:
            return {"state": "unreadable", "detail": str(error)}
        result = self.store.get_json(prefix + "result.json") if self.store.exists(prefix + "result.json") else None
        if not self.store.exists(prefix + "start.json"):
            return {"state": "starting", "name": followed.spec.name}
        start_at = float(self.store.get_json(prefix + "start.json")["start_at_epoch_s"])
        with self._lock:
            followed.live.read_new(self.store, run_id)
            elapsed_s = time.time() - start_at
            if result is not None:
                state = result["verdict"]["status"]
            elif not process_alive(followed.pid):
                state = "INTERRUPTED"
            else:
                state = "stopping" if self.store.exists(prefix + "control/stop") else "running"
            snapshot = followed.live.snapshot(elapsed_s, 0.0 if result else followed.flush_interval_s,
                                              followed.spec.thresholds, state)
        snapshot.update(name=followed.spec.name, report=self.store.exists(prefix + "reports/report.html"),
                        verdict={"status": state, "reasons": explanation(result["verdict"])} if result else None)
        if result is not None or state == "INTERRUPTED":
            self.forget(run_id)  # it will not change again: nothing is kept for it
        return snapshot

    def stop(self, run_id: str) -> None:
        request_stop(self.store, run_id, b"stopped from squall console\n")

    def forget(self, run_id: str) -> None:
        with self._lock:
            self._followed.pop(run_id, None)
