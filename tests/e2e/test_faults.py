"""Faults injected into real runs: a worker killed mid-run, the target going down mid-run,
and a collect re-run from the shards. Each checks that nothing measured is lost and the
outcome says what happened."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.e2e.test_cli import squall, write_spec
from tests.processes import demo_target_process

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def start_run(tmp_path: Path, spec: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "runner.cli", "run", str(spec), "--store", "s", *extra],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)


def wait_for(condition, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.1)


def worker_pid(run: subprocess.Popen[str], worker: int) -> int | None:
    """This run's worker process (a child of its squall process), never another run's."""
    found = subprocess.run(["pgrep", "-P", str(run.pid), "-f", f"runner.local.worker_process .*jobs/0.json {worker} "],
                           capture_output=True, text=True).stdout.split()
    return int(found[0]) if found else None


def test_a_worker_killed_mid_run_keeps_its_flushed_results_and_is_named(tmp_path: Path, demo_target) -> None:
    demo = demo_target(latency="fixed:2ms")
    run = start_run(tmp_path, write_spec(tmp_path, demo.url, duration="8s"), "--workers", "2")
    shards = tmp_path / "s" / "runs"
    wait_for(lambda: len(list(shards.glob("*/shards/0/*/*/00001.json.gz"))) >= 2 and worker_pid(run, 1) is not None)
    os.kill(worker_pid(run, 1), signal.SIGKILL)  # type: ignore[arg-type]
    stdout, stderr = run.communicate(timeout=120)
    assert run.returncode == 4, stdout + stderr
    [run_dir] = shards.iterdir()
    result = json.loads((run_dir / "result.json").read_text())
    [problem] = result["verdict"]["generator_problems"]
    assert problem.startswith("1 of 2 workers did not finish: worker 1 stopped reporting after")
    flushed_by_killed = [w for w in result["workers"] if w["worker"] == 1][0]["shards"]
    assert flushed_by_killed >= 2
    assert 0 < result["overall"]["requests"] <= sum(demo.state.seen.values())  # only unflushed seconds are lost


def test_the_target_going_down_mid_run_is_counted_and_fails_the_run(tmp_path: Path) -> None:
    target, url = demo_target_process("--latency", "fixed:2ms", env=ENV)
    try:
        run = start_run(tmp_path, write_spec(tmp_path, url, duration="6s"), "--workers", "1")
        wait_for(lambda: len(list((tmp_path / "s" / "runs").glob("*/shards/0/*/*/00000.json.gz"))) >= 1)
        target.kill()
        stdout, stderr = run.communicate(timeout=120)
    finally:
        target.kill()
        target.wait()
    assert run.returncode == 1, stdout + stderr
    [run_dir] = (tmp_path / "s" / "runs").iterdir()
    result = json.loads((run_dir / "result.json").read_text())
    errors = result["overall"]["errors_by_class"]
    assert errors.get("connect", 0) > 0 and set(errors) <= {"connect", "read", "cancelled"}
    assert any(r.startswith("error_rate < 1%: measured") for r in result["verdict"]["reasons"])


def test_squall_collect_rebuilds_the_result_and_reports_from_the_shards(tmp_path: Path, demo_target) -> None:
    demo = demo_target(latency="fixed:2ms")
    done = squall("run", str(write_spec(tmp_path, demo.url, duration="1s")), "--store", "s", "--workers", "1",
                  cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    [run_dir] = (tmp_path / "s" / "runs").iterdir()
    first = json.loads((run_dir / "result.json").read_text())
    (run_dir / "result.json").unlink()
    shutil.rmtree(run_dir / "reports")
    again = squall("collect", run_dir.name, "--store", "s", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    second = json.loads((run_dir / "result.json").read_text())
    assert second["overall"]["requests"] == first["overall"]["requests"] == sum(demo.state.seen.values())
    assert second["verdict"]["status"] == first["verdict"]["status"] == "PASS"
    assert (run_dir / "reports" / "report.html").exists()


ABORTING = """
name: aborting
target: {{url: "{url}", timeout: 5s}}
load:
  phases:
    - {{name: steady, duration: 60s, rate: 20/s}}
scenarios:
  - flow:
      - get: {{url: /gallery, name: GET /gallery}}
thresholds:
  - check: error_rate < 5%
    abort: true
    for: 2s
    after: 1s
  - p95 < 5s
"""


def test_an_abort_rule_stops_the_run_early_and_says_when_and_why(tmp_path: Path, demo_target) -> None:
    demo = demo_target(latency="fixed:2ms", error_rate=0.5)
    spec = tmp_path / "aborting.yaml"
    spec.write_text(ABORTING.format(url=demo.url))
    done = squall("run", str(spec), "--store", "s", "--workers", "1", cwd=tmp_path, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "VERDICT: ABORTED" in done.stdout
    [run_dir] = (tmp_path / "s" / "runs").iterdir()
    result = json.loads((run_dir / "result.json").read_text())
    first = result["verdict"]["reasons"][0]
    assert first.startswith("aborted at ") and "error_rate < 5% was broken (measured " in first
    moment = int(first.split()[2])
    assert 2 <= moment < 30
    assert result["overall"]["requests"] == sum(demo.state.seen.values()) < 20 * 60  # ended early, all counted
    # it acted within about a second of the second that broke the rule: the load stopped right after
    # (flushes and judgement every 0.25 s, the workers' stop poll 0.5 s), not ~5 s later
    last_second = max(row["second"] for row in result["timeline"] if row["requests"])
    assert last_second <= moment + 3


def test_squall_stop_ends_a_local_run_within_a_poll_interval_and_keeps_its_results(tmp_path: Path,
                                                                                    demo_target) -> None:
    demo = demo_target(latency="fixed:2ms")
    run = start_run(tmp_path, write_spec(tmp_path, demo.url, duration="120s"), "--workers", "2")
    runs = tmp_path / "s" / "runs"
    wait_for(lambda: len(list(runs.glob("*/shards/0/*/*/*.json.gz"))) >= 2)
    [run_id] = [p.name for p in runs.iterdir()]
    stopped = squall("stop", run_id, "--store", "s", cwd=tmp_path)
    assert stopped.returncode == 0 and "asked" in stopped.stdout
    stdout, stderr = run.communicate(timeout=60)
    assert run.returncode == 130, stdout + stderr
    result = json.loads((runs / run_id / "result.json").read_text())
    assert result["verdict"]["status"] == "STOPPED"
    assert result["overall"]["requests"] == sum(demo.state.seen.values())
    assert result["duration_s"] < 60 and all(w["final"] for w in result["workers"])
