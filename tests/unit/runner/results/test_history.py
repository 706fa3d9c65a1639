"""The local run list, newest first: a finished run by its verdict, an unfinished one RUNNING while
the process that started it lives and INTERRUPTED after (with what its shards hold), an unreadable
one left out; only the rows shown are read further."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from runner.results.history import list_local_runs, process_alive
from runner.store import LocalStore, run_prefix


def a_dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    return int(done.stdout)


def test_runs_are_listed_newest_first_each_in_its_state(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    def run(run_id: str, started: float, pid: int | None, status: str | None) -> None:
        store.put_json(run_prefix(run_id) + "meta.json", {"spec_name": "api", "started_at_epoch_s": started,
                                                          "pid": pid})
        if status:
            store.put_json(run_prefix(run_id) + "result.json", {"verdict": {"status": status}})
    run("old-pass", 100.0, None, "PASS")
    run("mid-fail", 200.0, None, "FAIL")
    run("live", 300.0, os.getpid(), None)
    run("killed", 250.0, a_dead_pid(), None)  # no plan.json: listed INTERRUPTED with nothing held
    (tmp_path / "runs" / "broken").mkdir()  # no meta.json: not a run the list can show
    rows = list_local_runs(str(tmp_path), limit=10)
    assert [(r["run_id"], r["state"]) for r in rows] == [
        ("live", "RUNNING"), ("killed", "INTERRUPTED"), ("mid-fail", "FAIL"), ("old-pass", "PASS")]
    assert all("pid" not in r for r in rows)
    assert [r["run_id"] for r in list_local_runs(str(tmp_path), limit=2)] == ["live", "killed"]


def test_an_empty_store_lists_nothing_and_a_run_without_a_pid_is_trusted_to_its_files(tmp_path: Path) -> None:
    assert list_local_runs(str(tmp_path / "nothing-here"), limit=5) == []
    assert process_alive(None) and process_alive(os.getpid()) and not process_alive(a_dead_pid())
