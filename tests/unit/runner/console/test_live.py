"""A local run followed from its shards: starting until its workers start, then the live page's
figures merged from what the workers flushed, then its verdict; a run that cannot be read says so."""
from __future__ import annotations

import json
import os
from pathlib import Path

from analysis.histogram import Histogram
from analysis.shard import Shard
from analysis.stats import EndpointStats, HealthStats, Window
from runner.console.live import LiveRuns
from runner.guardrails import HostPolicy
from runner.plan import make_plan
from runner.prepare import prepare_run
from runner.spec import parse_spec
from runner.store import LocalStore, put_shard, run_prefix

SPEC = ("name: followed\ntarget: http://127.0.0.1:1\nload: {phases: [{duration: 10s, rate: 10/s}]}\n"
        "scenarios: [{flow: [{get: {url: /a, name: A}}]}]\nthresholds: [p95 < 50ms]\n")


def planned(tmp_path: Path) -> LocalStore:
    spec = parse_spec(SPEC, "followed.yaml")
    plan = make_plan(spec, "f1", 1, workers=1)
    store = LocalStore(tmp_path)
    prepare_run(store, spec, plan, {"run_id": "f1", "spec_name": "followed", "pid": os.getpid(),
                                    "started_at_epoch_s": 1_000.0}, "fast", 1.0, None, sliced=False,
                hosts=HostPolicy.local(spec, ()))
    return store


def test_a_run_is_starting_then_live_then_judged(tmp_path: Path) -> None:
    store = planned(tmp_path)
    runs = LiveRuns(store)
    assert runs.snapshot("f1") == {"state": "starting", "name": "followed"}
    store.put_json(run_prefix("f1") + "start.json", {"start_at_epoch_s": 1_000.0})
    windows = {s: Window(endpoints={"A": EndpointStats(requests=10, responses=10, statuses={"200": 10},
                                                       latency=Histogram.of([20_000] * 10))},
                         health=HealthStats(intended=10)) for s in range(3)}
    put_shard(store, Shard("f1", 0, 0, 0, windows))
    snapshot = runs.snapshot("f1")
    assert snapshot["state"] == "running" and snapshot["name"] == "followed"
    assert [e["requests"] for e in snapshot["endpoints"]] == [30] and snapshot["verdict"] is None
    store.put_json(run_prefix("f1") + "result.json", {"verdict": {"status": "PASS", "reasons": [],
                                                                 "generator_problems": [], "explanation": []}})
    assert runs.snapshot("f1")["verdict"] == {"status": "PASS", "reasons": []}


def test_stop_sets_the_runs_stop_flag(tmp_path: Path) -> None:
    store = planned(tmp_path)
    LiveRuns(store).stop("f1")
    assert b"squall console" in store.get_bytes(run_prefix("f1") + "control/stop")


def test_a_run_that_cannot_be_read_says_so(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    store.put_bytes(run_prefix("bad") + "meta.json", json.dumps({"pid": 1}).encode())
    assert LiveRuns(store).snapshot("bad")["state"] == "unreadable"
