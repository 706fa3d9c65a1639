"""A local worker process's start: it says it is ready, then waits for the run's start instant (so
one slow process cannot make the others late), and a worker cut before the start sends nothing."""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from runner.guardrails import HostPolicy
from runner.job import WorkerJob
from runner.local.lifeline import Lifeline
from runner.local.worker_process import StoppedBeforeStart, await_start
from runner.plan import make_plan
from runner.prepare import prepare_run
from runner.spec import parse_spec
from runner.store import LocalStore, run_prefix

SPEC = ("name: w\ntarget: http://127.0.0.1:9\nload: {phases: [{duration: 5s, rate: 1/s}]}\n"
        "scenarios: [{flow: [{get: /}]}]\n")


def planned(tmp_path: Path) -> tuple[LocalStore, WorkerJob]:
    spec = parse_spec(SPEC, "w.yaml")
    store = LocalStore(tmp_path)
    prepare_run(store, spec, make_plan(spec, "w1", 1, workers=2), {"run_id": "w1"}, "fast", 1.0, None,
                sliced=False, hosts=HostPolicy.local(spec, ()))
    return store, WorkerJob.from_dict(store.get_json("runs/w1/jobs/0.json")).for_worker(1)


def test_a_worker_says_it_is_ready_and_starts_at_the_runs_instant(tmp_path: Path) -> None:
    store, job = planned(tmp_path)

    def parent() -> None:  # sets the start once the worker said it is ready
        while not store.exists(run_prefix("w1") + "ready/0/1"):
            time.sleep(0.01)
        store.put_json(run_prefix("w1") + "start.json", {"start_at_epoch_s": 1_234.5})
    threading.Thread(target=parent, daemon=True).start()
    assert await_start(store, job, Lifeline(os.getppid()), timeout_s=30) == 1_234.5


def test_a_worker_cut_before_the_start_sends_nothing(tmp_path: Path) -> None:
    store, job = planned(tmp_path)
    with pytest.raises(StoppedBeforeStart):
        await_start(store, job, Lifeline(os.getppid() + 1), timeout_s=30)  # its parent is gone
