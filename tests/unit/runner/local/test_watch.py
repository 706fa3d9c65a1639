"""`squall watch` of a local run: a run that has its result ends at once with it; one whose squall
process is gone without a result is said so, with what judges it; an unknown run is named."""
from __future__ import annotations

from pathlib import Path

import pytest

from runner.guardrails import HostPolicy
from runner.local.watch import watch_local
from runner.plan import make_plan
from runner.preflight import CouldNotRun
from runner.prepare import prepare_run
from runner.spec import parse_spec
from runner.store import LocalStore, run_prefix

SPEC = ("name: w\ntarget: http://127.0.0.1:9\nload: {phases: [{duration: 5s, rate: 1/s}]}\n"
        "scenarios: [{flow: [{get: /}]}]\n")
GONE_PID = 2 ** 22 + 12_345  # above the kernel's pid_max: no such process


def planned(tmp_path: Path) -> LocalStore:
    spec = parse_spec(SPEC, "w.yaml")
    store = LocalStore(tmp_path)
    prepare_run(store, spec, make_plan(spec, "w1", 1, workers=1), {"run_id": "w1", "pid": GONE_PID}, "fast", 1.0,
                None, sliced=False, hosts=HostPolicy.local(spec, ()))
    return store


def test_a_run_with_its_result_ends_at_once(tmp_path: Path) -> None:
    store = planned(tmp_path)
    store.put_json(run_prefix("w1") + "result.json", {"run_id": "w1", "verdict": {"status": "PASS"}})
    assert watch_local(str(tmp_path), "w1", lambda line, keep: None)["verdict"]["status"] == "PASS"


def test_a_run_whose_process_is_gone_is_said_with_what_judges_it(tmp_path: Path) -> None:
    planned(tmp_path)
    with pytest.raises(CouldNotRun, match="no longer running and left no result.*squall collect w1"):
        watch_local(str(tmp_path), "w1", lambda line, keep: None, poll_s=0.01)


def test_an_unknown_run_is_named(tmp_path: Path) -> None:
    with pytest.raises(CouldNotRun, match="no run nope in"):
        watch_local(str(tmp_path), "nope", lambda line, keep: None)
