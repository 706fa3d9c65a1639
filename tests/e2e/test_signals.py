"""Stops that stop: SIGTERM and SIGHUP end a run as Ctrl-C does (summary, result.json, STOPPED,
exit 128 + the signal), and a run's workers never outlive its squall process. Each test watches
the target itself: after the run is over, nothing more reaches it."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.test_cli import write_spec
from tests.e2e.test_faults import wait_for

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
LOCUSTFILE = ROOT / "tests" / "data" / "locust" / "two_classes.py"


def start(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "runner.cli", "run", *args, "--store", str(tmp_path / "s")],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)


def workers_of(tmp_path: Path) -> list[int]:
    """This test's worker processes, whoever their parent is now (an orphan is adopted by init)."""
    found = subprocess.run(["pgrep", "-f", f"runner.local.(worker|locust)_process {tmp_path}/s "],
                           capture_output=True, text=True).stdout.split()
    return [int(pid) for pid in found]


def first_flush(tmp_path: Path) -> bool:
    return any((tmp_path / "s" / "runs").glob("*/shards/0/*/*/*.json.gz"))


def settled(demo) -> int:
    """What the target has seen once nothing more arrives (1 s without a new request)."""
    seen = -1
    while seen != (now := sum(demo.state.seen.values())):
        seen = now
        time.sleep(1.0)
    return seen


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_sigterm_and_sighup_stop_a_run_as_ctrl_c_does(tmp_path: Path, demo_target, signum: int, code: int) -> None:
    """Before: SIGTERM ended squall at once, no summary and no result.json, and its workers kept
    loading the target until their schedule ended."""
    demo = demo_target(latency="fixed:2ms")
    run = start(tmp_path, str(write_spec(tmp_path, demo.url, duration="60s")), "--workers", "2")
    wait_for(lambda: first_flush(tmp_path))
    run.send_signal(signum)
    stdout, stderr = run.communicate(timeout=60)
    assert run.returncode == code, stdout + stderr
    assert "VERDICT: STOPPED" in stdout and "Traceback" not in stderr
    assert f"stopping ({signal.Signals(signum).name})" in stderr
    [run_dir] = (tmp_path / "s" / "runs").iterdir()
    result = json.loads((run_dir / "result.json").read_text())
    assert result["verdict"]["status"] == "STOPPED"
    assert workers_of(tmp_path) == []
    assert result["overall"]["requests"] == settled(demo)  # everything sent is counted, nothing sent after
    assert result["overall"]["requests"] < result["plan"]["expected_requests"] / 3  # far from the whole 62 s


@pytest.mark.parametrize("kind", ["spec", "locustfile"])
def test_the_workers_stop_when_their_squall_process_is_killed(tmp_path: Path, demo_target, kind: str) -> None:
    """``kill -9`` of squall leaves no one to set the stop flag: the workers notice their parent is
    gone and stop sending. Before, they were orphaned and kept loading the target for the whole
    schedule (60 s here)."""
    demo = demo_target(latency="fixed:2ms")
    args = [str(write_spec(tmp_path, demo.url, duration="60s"))] if kind == "spec" else \
        [str(LOCUSTFILE), "-u", "4", "-t", "60s", "-H", demo.url]
    run = start(tmp_path, *args, "--workers", "2")
    wait_for(lambda: first_flush(tmp_path) and len(workers_of(tmp_path)) == 2, timeout_s=90)
    run.kill()
    run.communicate(timeout=30)
    wait_for(lambda: workers_of(tmp_path) == [], timeout_s=30)
    at_stop = settled(demo)
    time.sleep(2.0)
    assert sum(demo.state.seen.values()) == at_stop  # nothing reaches the target any more
    [run_dir] = (tmp_path / "s" / "runs").iterdir()
    listed = subprocess.run([sys.executable, "-m", "runner.cli", "runs", "--store", str(tmp_path / "s")],
                            capture_output=True, text=True, env=ENV, cwd=tmp_path)
    assert "INTERRUPTED" in listed.stdout and "RUNNING" not in listed.stdout, listed.stdout
    assert f"squall collect {run_dir.name}" in listed.stdout  # where to go next
    [row] = [line for line in listed.stdout.splitlines() if line.endswith("INTERRUPTED")]
    assert f"{at_stop:,}" in row.split()  # what its shards hold, before any collect
    # Before: the workers wrote their shards as if the run had ended as planned and collect said PASS
    # (exit 0) on a fraction of the planned load.
    collected = subprocess.run([sys.executable, "-m", "runner.cli", "collect", run_dir.name, "--store",
                                str(tmp_path / "s")], capture_output=True, text=True, env=ENV, cwd=tmp_path)
    assert collected.returncode == 4, collected.stdout + collected.stderr
    assert "VERDICT: INCONCLUSIVE" in collected.stdout and "cut short" in collected.stdout
    result = json.loads((run_dir / "result.json").read_text())
    assert result["overall"]["requests"] == at_stop  # everything measured is kept
    assert result["duration_s"] < 60  # judged over the seconds it ran, not the plan's 60


def test_a_signal_as_the_run_starts_ends_it_cleanly(tmp_path: Path, demo_target) -> None:
    """SIGTERM as soon as squall says the run begins (its workers may not exist yet): exit 143, no
    traceback, and no worker left behind."""
    demo = demo_target(latency="fixed:2ms")
    run = start(tmp_path, str(write_spec(tmp_path, demo.url, duration="60s")), "--workers", "2")
    assert run.stderr is not None
    while "squall: run " not in (line := run.stderr.readline()):
        assert line, "squall ended before starting the run"
    run.send_signal(signal.SIGTERM)
    stdout, stderr = run.communicate(timeout=60)
    assert run.returncode == 143, stdout + stderr
    assert "Traceback" not in stderr
    wait_for(lambda: workers_of(tmp_path) == [], timeout_s=10)
    at_end = settled(demo)
    time.sleep(1.0)
    assert sum(demo.state.seen.values()) == at_end
