"""A Locust team's own command line, config file and event hooks on `squall run`, each beside
Locust itself run on the same file: what Locust does with them is the truth."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOOKS = ROOT / "tests" / "data" / "locust" / "hooks.py"
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), cwd=tmp_path, capture_output=True, text=True, timeout=180, env=ENV)


def endpoints_of(stats_csv: Path) -> dict[str, int]:
    with open(stats_csv, newline="") as handle:
        return {f"{r['Type']} {r['Name']}": int(r["Request Count"]) for r in csv.DictReader(handle)
                if r["Name"] != "Aggregated"}


def test_a_locust_ci_command_line_runs_unchanged_with_its_hooks_and_its_own_option(tmp_path: Path, demo_target) -> None:
    """Before: -f, --headless, --only-summary, --loglevel were 'unrecognized arguments' (exit 2); the
    file's listeners never fired (a task reading what test_start filled raised every time), its own
    --probe-path was refused, and manual request events were lost."""
    demo = demo_target(latency="fixed:1ms")
    line = ["-f", str(HOOKS), "--headless", "--only-summary", "--loglevel", "WARNING", "-u", "2", "-r", "2",
            "-t", "2s", "-H", demo.url, "--probe-path", "/health"]
    locust = run(tmp_path, sys.executable, "-m", "locust", *line, "--csv", str(tmp_path / "locust"))
    assert locust.returncode == 0, locust.stderr[-2000:]
    squall = run(tmp_path, sys.executable, "-m", "runner.cli", "run", *line, "--csv", str(tmp_path / "squall"),
                 "--store", "s", "--workers", "1")
    assert squall.returncode == 0, squall.stdout[-2000:] + squall.stderr[-2000:]
    assert "--only-summary: accepted as Locust's" in squall.stderr
    theirs, ours = endpoints_of(tmp_path / "locust_stats.csv"), endpoints_of(tmp_path / "squall_stats.csv")
    assert set(ours) == set(theirs) == {"GET probe", "MANUAL by hand"}
    assert ours["GET probe"] == ours["MANUAL by hand"] > 0  # one by hand for every request, as under Locust
    result = json.loads(next((tmp_path / "s" / "runs").glob("*/result.json")).read_text())
    assert result["health"]["exceptions"] == {}  # the listeners fired before the first task
    assert set(demo.state.seen) == {"GET /health 200"}  # the file's own option reached its tasks (both runs)


def test_exit_codes_follow_locust_on_failed_requests(tmp_path: Path, demo_target) -> None:
    """Locust exits 1 when a request failed (the probe's 404 here), or --exit-code-on-error's code.
    Before: `errors`-free thresholds aside, such a run could exit 0."""
    demo = demo_target(latency="fixed:1ms")
    line = ["-f", str(HOOKS), "--headless", "-u", "1", "-t", "1s", "-H", demo.url]  # probes /nothing-here: 404
    assert run(tmp_path, sys.executable, "-m", "locust", *line).returncode == 1
    squall = run(tmp_path, sys.executable, "-m", "runner.cli", "run", *line, "--store", "s", "--workers", "1")
    assert squall.returncode == 1, squall.stdout[-2000:] + squall.stderr[-2000:]
    assert "errors == 0: measured" in squall.stdout
    chosen = run(tmp_path, sys.executable, "-m", "runner.cli", "run", *line, "--exit-code-on-error", "3",
                 "--store", "s", "--workers", "1")
    assert chosen.returncode == 3


def test_a_quitting_listener_s_process_exit_code_is_the_exit_code_as_under_locust(tmp_path: Path,
                                                                                 demo_target) -> None:
    """Before: ignored (PASS, exit 0), where Locust exits with it: a CI gate written this way passed."""
    demo = demo_target(latency="fixed:1ms")
    line = ["-f", str(ROOT / "tests" / "data" / "locust" / "exit_code.py"), "--headless", "-u", "1", "-t", "1s",
            "-H", demo.url]
    assert run(tmp_path, sys.executable, "-m", "locust", *line).returncode == 3
    squall = run(tmp_path, sys.executable, "-m", "runner.cli", "run", *line, "--store", "s", "--workers", "2")
    assert squall.returncode == 3, squall.stdout[-2000:] + squall.stderr[-2000:]
    assert "VERDICT: PASS" in squall.stdout and "exit 3: set by the locustfile" in squall.stdout
    assert "a line the file logs" in squall.stderr  # the file's INFO logs show, as under Locust (before: none)


def test_a_shape_with_a_stage_of_no_users_runs_as_under_locust(tmp_path: Path, demo_target) -> None:
    demo = demo_target(latency="fixed:1ms")
    line = ["-f", str(ROOT / "tests" / "data" / "locust" / "cooldown.py"), "--headless", "-H", demo.url]
    assert run(tmp_path, sys.executable, "-m", "locust", *line).returncode == 0
    squall = run(tmp_path, sys.executable, "-m", "runner.cli", "run", *line, "--store", "s")
    assert squall.returncode == 0, squall.stdout[-2000:] + squall.stderr[-2000:]
    # one process unless --processes says otherwise, as Locust (before: one per core, and module-level code
    # such as a metrics server on a fixed port killed the second process)
    assert json.loads(next((tmp_path / "s" / "runs").glob("*/result.json")).read_text())["plan"]["workers"] == 1


def test_locust_s_distributed_flags_are_refused_with_the_way_to_spread_load(tmp_path: Path) -> None:
    """Before: accepted, and each `--worker` started a whole standalone test (N machines: N+1 loads)."""
    line = ["-f", str(ROOT / "tests" / "data" / "locust" / "cooldown.py"), "--headless", "-H", "http://127.0.0.1:9"]
    for flags in (["--worker", "--master-host", "10.0.0.5"], ["--master", "--expect-workers", "3"]):
        squall = run(tmp_path, sys.executable, "-m", "runner.cli", "run", *line, *flags, "--store", "s")
        assert squall.returncode == 2 and "--processes N" in squall.stderr and "--on aws" in squall.stderr
    assert not (tmp_path / "s").exists()


def test_module_level_code_that_one_process_holds_is_named_at_its_line_with_the_hint(tmp_path: Path,
                                                                                    demo_target) -> None:
    """A metrics server on a fixed port at module level, on two processes: before, the second worker
    died with a bare `OSError: Address already in use` and collect said only that it sent nothing."""
    import socket
    demo = demo_target(latency="fixed:1ms")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (tmp_path / "metrics.py").write_text(
        "import socket\nfrom locust import HttpUser, constant, task\n\n"
        f"SERVER = socket.create_server(('127.0.0.1', {port}))  # a metrics endpoint, at import\n\n\n"
        "class Quick(HttpUser):\n    wait_time = constant(0.1)\n\n    @task\n    def gallery(self):\n"
        "        self.client.get('/gallery')\n")
    squall = run(tmp_path, sys.executable, "-m", "runner.cli", "run", "-f", "metrics.py", "-u", "2", "-t", "2s",
                 "-H", demo.url, "--processes", "2", "--store", "s")
    said = squall.stdout + squall.stderr
    assert "metrics.py:4: OSError" in said and "Address already in use" in said, said[-3000:]
    assert "module-level code runs in each of the 2 worker processes" in said
    assert squall.returncode != 0


def test_locust_conf_names_the_locustfile_and_its_csv(tmp_path: Path, demo_target) -> None:
    """`squall run` alone, as `locust` alone: locust.conf's locustfile, host, users, run time and csv.
    Before: 'the following arguments are required: spec', and csv/html there were ignored."""
    demo = demo_target(latency="fixed:1ms")
    (tmp_path / "locust.conf").write_text(f"locustfile = {HOOKS}\nheadless = true\nhost = {demo.url}\nusers = 1\n"
                                          f"run-time = 1s\ncsv = fromconf\nprobe-path = /health\n")
    squall = run(tmp_path, sys.executable, "-m", "runner.cli", "run", "--store", "s", "--workers", "1")
    assert squall.returncode == 0, squall.stdout[-2000:] + squall.stderr[-2000:]
    assert (tmp_path / "fromconf_stats.csv").is_file()


def test_an_option_neither_knows_is_refused_in_locust_s_words(tmp_path: Path) -> None:
    squall = run(tmp_path, sys.executable, "-m", "runner.cli", "run", "-f", str(HOOKS), "-t", "1s",
                 "-H", "http://127.0.0.1:9", "--no-such-option", "--store", "s")
    assert squall.returncode == 2
    assert "unrecognized arguments: --no-such-option" in squall.stderr and "Traceback" not in squall.stderr


def test_a_shape_ends_the_test_and_t_is_ignored_as_locust_ignores_it(tmp_path: Path, demo_target) -> None:
    """Locust ignores -t when a LoadTestShape runs (unless the shape reads the common options) and
    says so. Before: Squall ended the run at -t."""
    demo = demo_target(latency="fixed:1ms")
    shaped = ROOT / "tests" / "data" / "locust" / "shaped.py"
    squall = run(tmp_path, sys.executable, "-m", "runner.cli", "run", "-f", str(shaped), "-t", "2s", "-H", demo.url,
                 "--store", "s", "--workers", "1")
    assert squall.returncode == 0, squall.stdout[-2000:] + squall.stderr[-2000:]
    assert "-t 2s is ignored, as Locust ignores it: LoadTestShape Stages ends the test" in squall.stderr
    result = json.loads(next((tmp_path / "s" / "runs").glob("*/result.json")).read_text())
    assert result["plan"]["duration_s"] == 8  # the shape's two stages, 4 s each


def test_a_class_of_weight_0_named_alone_is_refused_at_once_as_locust_refuses_it(tmp_path: Path) -> None:
    """Before: the workers died ('no users with weight > 0') and the run still lasted its duration,
    INCONCLUSIVE."""
    (tmp_path / "idle.py").write_text("from locust import HttpUser, task\n\n\nclass Idle(HttpUser):\n"
                                      "    weight = 0\n\n    @task\n    def nothing(self):\n        pass\n")
    squall = run(tmp_path, sys.executable, "-m", "runner.cli", "run", "-f", "idle.py", "Idle", "-t", "30s",
                 "-H", "http://127.0.0.1:9", "--store", "s")
    assert squall.returncode == 2 and "There are no users with weight > 0." in squall.stderr
    assert not (tmp_path / "s").exists()  # nothing started
