"""`squall` as a user runs it: subprocesses, a real store on disk, the demo target on 127.0.0.1."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

SPEC = """
name: e2e
target: {{url: "{url}", timeout: 5s}}
load:
  phases:
    - {{name: warm, duration: 2s, rate: 10/s}}
    - {{name: ramp, duration: 3s, rate: 10/s, ramp_to: 30/s}}
scenarios:
  - name: generate-and-poll
    flow:
      - post: {{url: /generate, name: POST /generate, json: {{prompt: x}}, capture: [{{json: $.jobId, as: jobId}}]}}
      - get: {{url: "/status/{{{{ jobId }}}}", name: "GET /status/{{id}}"}}
thresholds:
  - error_rate < 1%
  - {threshold}
"""


def squall(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "runner.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})


def write_spec(tmp_path: Path, url: str, threshold: str = "p95 < 5s", duration: str = "") -> Path:
    text = SPEC.format(url=url, threshold=threshold)
    if duration:
        text = text.replace("duration: 3s", f"duration: {duration}")
    path = tmp_path / "e2e.yaml"
    path.write_text(text)
    return path


def test_a_five_second_run_passes_and_writes_its_result(tmp_path: Path, demo_target) -> None:
    demo = demo_target(latency="fixed:2ms")
    done = squall("run", str(write_spec(tmp_path, demo.url)), "--store", "store", "--workers", "2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "VERDICT: PASS" in done.stdout and "Traceback" not in done.stderr
    [run_dir] = (tmp_path / "store" / "runs").iterdir()
    result = json.loads((run_dir / "result.json").read_text())
    assert result["verdict"]["status"] == "PASS"
    assert result["plan"]["workers"] == 2 and len(result["workers"]) == 2
    assert result["health"]["intended_arrivals"] == 80  # 2 s at 10/s + 3 s ramping 10 -> 30/s
    seen = sum(count for key, count in demo.state.seen.items())
    assert result["overall"]["requests"] == seen == 160
    assert len(result["timeline"]) >= 5
    assert (run_dir / "spec.json").exists() and (run_dir / "plan.json").exists()
    assert list((run_dir / "shards" / "0").iterdir())


def test_squall_watch_follows_a_finished_local_run_and_names_one_that_died(tmp_path: Path, demo_target) -> None:
    demo = demo_target(latency="fixed:2ms")
    done = squall("run", str(write_spec(tmp_path, demo.url, duration="1s")), "--store", "store", "--workers", "1",
                  cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    [run_dir] = (tmp_path / "store" / "runs").iterdir()
    watched = squall("watch", run_dir.name, "--store", "store", cwd=tmp_path)  # the local store is looked in first
    assert watched.returncode == 0 and "VERDICT: PASS" in watched.stdout, watched.stderr
    (run_dir / "result.json").unlink()  # as if the run's process had been killed before collecting
    dead = squall("watch", run_dir.name, "--store", "store", cwd=tmp_path)
    assert dead.returncode == 3 and "Traceback" not in dead.stderr
    assert f"run {run_dir.name} is no longer running and left no result" in dead.stderr
    assert f"`squall collect {run_dir.name}`" in dead.stderr


def test_a_failed_must_threshold_exits_1_with_the_reason(tmp_path: Path, demo_target) -> None:
    demo = demo_target(latency="fixed:2ms")
    done = squall("run", str(write_spec(tmp_path, demo.url, threshold="p50 < 1us")), "--store", "s",
                  "--workers", "1", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "VERDICT: FAIL" in done.stdout
    assert "- p50 < 1us: measured" in done.stdout


def test_an_invalid_spec_exits_2_with_every_problem_and_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("target: {url: 'ftp://x'}\nload: {phases: [{duration: 1s, rate: -1}]}\n"
                   "scenarios: [{flow: [{gett: /}]}]\n")
    done = squall("validate", str(bad), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"{bad}:1: target.url: 'ftp://x': must be an http:// or https:// URL with a host",
        f"{bad}:2: load.phases[0].rate: a rate cannot be negative",
        f"{bad}:3: scenarios[0].flow[0].gett: unknown step (did you mean 'get'?)",
        "squall: 3 problems in the spec; nothing was run",
    ]
    assert squall("run", str(bad), cwd=tmp_path).returncode == 2


def test_an_unreachable_target_exits_3_with_one_clear_line(tmp_path: Path) -> None:
    done = squall("run", str(write_spec(tmp_path, "http://127.0.0.1:9")), "--store", "s", cwd=tmp_path)
    assert done.returncode == 3
    assert done.stderr.strip().splitlines()[-1].startswith("squall: could not run: target http://127.0.0.1:9: "
                                                           "cannot connect to 127.0.0.1:9")


def test_plan_prints_phases_workers_and_the_rate_ceiling(tmp_path: Path) -> None:
    done = squall("plan", str(write_spec(tmp_path, "http://127.0.0.1:9")), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "80 arrivals, 160 requests" in done.stdout
    assert "per-worker ceiling 3,750 arrivals/s" in done.stdout
    # a million requests on AWS: this plan's estimate over its requests, and busy workers' time alone
    [line] = [line for line in done.stdout.splitlines() if line.startswith("  per million")]
    assert "per million requests at this plan on AWS" in line and "CPU-µs a request measured by bench/peers.py" in line


@pytest.mark.parametrize("workers, message", [("0", "0 workers: at least 1"), ("-3", "-3 workers: at least 1"),
                                              ("many", "'many' is not a number of workers")])
def test_a_worker_count_below_one_is_a_clear_input_error(tmp_path: Path, workers: str, message: str) -> None:
    done = squall("plan", str(write_spec(tmp_path, "http://127.0.0.1:9")), "--workers", workers, cwd=tmp_path)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_debug_may_come_after_the_subcommand(tmp_path: Path) -> None:
    done = squall("plan", str(write_spec(tmp_path, "http://127.0.0.1:9")), "--debug", cwd=tmp_path)
    assert done.returncode == 0, done.stderr


def test_a_reader_that_stops_early_gets_no_broken_pipe_error(tmp_path: Path) -> None:
    """`squall plan spec | head -1`: the reader closes the pipe; no traceback, the SIGPIPE exit code."""
    spec = write_spec(tmp_path, "http://127.0.0.1:9")
    process = subprocess.Popen([sys.executable, "-m", "runner.cli", "plan", str(spec)], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # before the interpreter has started: every write finds the pipe closed
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 141
    assert stderr == ""


def test_ctrl_c_stops_gracefully_and_reports_what_was_measured(tmp_path: Path, demo_target) -> None:
    demo = demo_target(latency="fixed:2ms")
    spec = write_spec(tmp_path, demo.url, duration="60s")
    process = subprocess.Popen([sys.executable, "-m", "runner.cli", "run", str(spec), "--store", "s", "--workers", "1"],
                               cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    shards = tmp_path / "s" / "runs"
    deadline = time.monotonic() + 60
    while not list(shards.glob("*/shards/0/*/*/00000.json.gz")) and time.monotonic() < deadline:
        time.sleep(0.2)  # wait for the first flushed shard: the run is under way
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "VERDICT: STOPPED" in stdout
    [run_dir] = shards.iterdir()
    result = json.loads((run_dir / "result.json").read_text())
    assert result["verdict"]["status"] == "STOPPED"
    assert result["overall"]["requests"] == sum(demo.state.seen.values()) > 0


def test_squall_report_renders_every_format_from_the_local_store(tmp_path: Path, demo_target) -> None:
    demo = demo_target(latency="fixed:2ms")
    done = squall("run", str(write_spec(tmp_path, demo.url, duration="1s")), "--store", "s", "--workers", "1",
                  cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    [run_dir] = (tmp_path / "s" / "runs").iterdir()
    run_id = run_dir.name
    assert sorted(p.name for p in (run_dir / "reports").iterdir()) == [
        "exceptions.csv", "failures.csv", "junit.xml", "report.html", "report.md", "report.txt", "stats.csv",
        "stats_history.csv"]
    md = squall("report", run_id, "--format", "md", "--store", "s", cwd=tmp_path)
    assert md.returncode == 0 and md.stdout.startswith("### ✅ Squall: e2e — **PASS**")
    junit = squall("report", run_id, "--format", "junit", "--store", "s", cwd=tmp_path)
    assert junit.stdout.startswith("<?xml") and 'name="error_rate &lt; 1%"' in junit.stdout
    html = squall("report", run_id, "--format", "html", "-o", "out/r.html", "--store", "s", cwd=tmp_path)
    assert html.returncode == 0 and (tmp_path / "out" / "r.html").read_text().startswith("<!doctype html>")
    csvs = squall("report", run_id, "--format", "csv", "-o", "csv", "--store", "s", cwd=tmp_path)
    assert csvs.returncode == 0 and (tmp_path / "csv" / "stats_history.csv").exists()
    missing = squall("report", "nope", "--store", "s", cwd=tmp_path)
    assert missing.returncode == 3 and "no result for run nope" in missing.stderr


def test_a_regression_against_the_baseline_fails_and_compare_shows_it(tmp_path: Path, demo_target) -> None:
    fast, slow = demo_target(latency="fixed:2ms"), demo_target(latency="fixed:30ms")
    spec = write_spec(tmp_path, fast.url, threshold="p95 regression < 50%", duration="1s")
    first = squall("run", str(spec), "--store", "s", "--workers", "1", cwd=tmp_path)
    assert first.returncode == 4, first.stdout  # no baseline yet: the regression could not be judged
    assert "no baseline run: `squall baseline set RUN_ID`" in first.stdout
    [baseline_id] = [p.name for p in (tmp_path / "s" / "runs").iterdir()]
    assert squall("baseline", "set", baseline_id, "--store", "s", cwd=tmp_path).returncode == 0
    second = squall("run", str(spec), "--store", "s", "--workers", "1", "--target", slow.url, cwd=tmp_path)
    assert second.returncode == 1, second.stdout
    assert "- p95 regression < 50%: measured +" in second.stdout
    assert f" ms in {baseline_id})" in second.stdout  # the baseline named, with its value
    [current_id] = [p.name for p in (tmp_path / "s" / "runs").iterdir() if p.name != baseline_id]
    compared = squall("compare", baseline_id, current_id, "--store", "s", cwd=tmp_path)
    assert compared.returncode == 0
    p95 = [line for line in compared.stdout.splitlines() if line.split()[:2] == ["overall", "p95"]]
    assert p95 and p95[0].split()[6].startswith("+") and "BEYOND NOISE" in p95[0]
    by_name = squall("compare", "baseline", "latest", "--store", "s", cwd=tmp_path)  # the same two runs
    assert by_name.stdout == compared.stdout
    listed = squall("runs", "--store", "s", cwd=tmp_path)
    assert listed.stdout.index(current_id) < listed.stdout.index(baseline_id)  # newest first


ARTILLERY = """
config:
  target: "{url}"
  phases:
    - duration: 2
      arrivalRate: 5
  ensure:
    maxErrorRate: 1
scenarios:
  - flow:
      - post:
          url: "/generate"
          json: {{prompt: "x"}}
          capture:
            - json: "$.jobId"
              as: "jobId"
      - get:
          url: "/status/{{{{ jobId }}}}"
      - function: "hook"
"""


def test_an_artillery_script_is_imported_or_run_directly(tmp_path: Path, demo_target) -> None:
    demo = demo_target(latency="fixed:2ms")
    script = tmp_path / "old.yml"
    script.write_text(ARTILLERY.format(url=demo.url))
    imported = squall("import", "artillery", str(script), "-o", "new.yaml", cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "squall: not converted: scenarios[0].flow[2].function" in imported.stderr
    assert squall("validate", "new.yaml", cwd=tmp_path).returncode == 0
    ran = squall("run", str(script), "--store", "s", "--workers", "1", cwd=tmp_path)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "is an Artillery script, converted" in ran.stderr and "not converted: scenarios[0].flow[2]" in ran.stderr
    assert "error_rate <= 1%" in ran.stdout and sum(demo.state.seen.values()) == 20


ENV_SPEC = """
target: {{url: "{url}", headers: {{X-Api-Key: "{{{{ $env.SQUALL_E2E_KEY }}}}"}}}}
load: {{phases: [{{duration: 1s, rate: 5/s}}]}}
scenarios: [{{flow: [{{get: {{url: "/items?k={{{{ $env.SQUALL_E2E_KEY }}}}"}}}}]}}]
"""


def test_environment_variables_reach_the_requests_and_never_the_results(tmp_path: Path) -> None:
    import http.server
    import threading
    seen: list[tuple[str, str | None]] = []

    class Recording(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            seen.append((self.path, self.headers.get("X-Api-Key")))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recording)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        spec = tmp_path / "env.yaml"
        spec.write_text(ENV_SPEC.format(url=f"http://127.0.0.1:{server.server_address[1]}"))
        done = subprocess.run([sys.executable, "-m", "runner.cli", "run", str(spec), "--store", "s", "--workers", "1"],
                              cwd=tmp_path, capture_output=True, text=True, timeout=120,
                              env={**os.environ, "SQUALL_E2E_KEY": "k-31337",
                                   "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    finally:
        server.shutdown()
    assert done.returncode == 0, done.stderr
    assert len(seen) == 5 and set(seen) == {("/items?k=k-31337", "k-31337")}
    stored = "".join(p.read_text(errors="replace") for p in (tmp_path / "s").rglob("*") if p.is_file()
                     and p.suffix in (".json", ".md", ".csv", ".html", ".txt"))
    assert "k-31337" not in stored and "$env.SQUALL_E2E_KEY" in stored


def test_a_missing_environment_variable_is_refused_before_anything_runs(tmp_path: Path) -> None:
    spec = tmp_path / "env.yaml"
    spec.write_text(ENV_SPEC.format(url="http://127.0.0.1:9"))
    done = squall("run", str(spec), "--store", "s", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        "squall: the run was refused: environment variable SQUALL_E2E_KEY not set (the spec uses "
        "{{ $env.SQUALL_E2E_KEY }})")
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("region, cause", [
    ("eu-west-1", "NoCredentialsError (no AWS credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
                  "AWS_SECRET_ACCESS_KEY)"),
    (None, "NoRegionError (no AWS region: set AWS_DEFAULT_REGION, or aws.region in the spec)"),
])
def test_a_secret_that_cannot_be_read_here_is_named_before_the_run_starts(tmp_path: Path, region: str | None,
                                                                           cause: str) -> None:
    """Without AWS credentials the run used to wait out its duration and end INCONCLUSIVE unnamed."""
    spec = tmp_path / "secret.yaml"
    spec.write_text(ENV_SPEC.format(url="http://127.0.0.1:9").replace("$env.SQUALL_E2E_KEY", "secret:ssm:/team/key"))
    bare = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    done = subprocess.run([sys.executable, "-m", "runner.cli", "run", str(spec), "--store", "s"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120,
                          env={**bare, **({"AWS_DEFAULT_REGION": region} if region else {}),
                               "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/nonexistent",
                               "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
                               "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    assert done.returncode == 3, done.stderr
    assert done.stderr.strip().splitlines()[-1] == f"squall: could not run: cannot read secret secret:ssm:/team/key: {cause}"


def test_a_closed_model_plan_shows_its_users_not_zero_arrivals(tmp_path: Path) -> None:
    spec = tmp_path / "users.yaml"
    spec.write_text("target: http://127.0.0.1:9\nload: {phases: [{duration: 1m, users: 50}]}\n"
                    "scenarios: [{flow: [{get: /}, {think: 1s}]}]\n")
    done = squall("plan", str(spec), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "total " not in done.stdout and "peak rate" not in done.stdout  # was "0 arrivals, 0 requests"
    assert "users         50 at most (closed model" in done.stdout


def test_validate_checks_every_profile_and_plan_takes_one(tmp_path: Path) -> None:
    spec = tmp_path / "profiles.yaml"
    spec.write_text("target: http://127.0.0.1:9\nload: {phases: [{duration: 5m, users: 50}]}\n"
                    "scenarios: [{flow: [{get: /}, {think: 1s}]}]\n"
                    "profiles:\n  spike: {load: {phases: [{duration: 2m, users: 100, spawn_rate: 50/s}]}}\n"
                    "  broken: {load: {phases: [{duration: 0s, users: 1}]}}\n")
    done = squall("validate", str(spec), cwd=tmp_path)
    assert done.returncode == 2 and "profiles.yaml:6: load.phases[0].duration: must be > 0, got 0s" in done.stderr
    planned = squall("plan", str(spec), "-e", "spike", cwd=tmp_path)
    assert planned.returncode == 0, planned.stderr
    assert "100 at most" in planned.stdout


def test_a_suite_runs_its_tests_in_turn_with_one_summary_junit_and_exit_code(tmp_path: Path, demo_target) -> None:
    demo = demo_target(latency="fixed:2ms")
    (tmp_path / "health.yaml").write_text(
        f"name: health\ntarget: {demo.url}\nload: {{phases: [{{duration: 1s, rate: 5/s}}]}}\n"
        "scenarios: [{flow: [{get: /health}]}]\nthresholds: [error_rate < 1%]\n"
        "profiles:\n  strict: {thresholds: [p95 < 1ms]}\n")
    (tmp_path / "suite.yaml").write_text("suite: gate\ntests:\n  - health.yaml\n"
                                         "  - {spec: health.yaml, load_profile: strict}\n")
    done = squall("run", "suite.yaml", "--store", "s", "--workers", "1", cwd=tmp_path)
    assert done.returncode == 1, done.stderr  # the strict profile's p95 < 1ms fails
    assert "Squall suite gate: 2 tests" in done.stdout and "SUITE: FAIL" in done.stdout
    rows = [(line[2:36].strip(), line[37:51].strip()) for line in done.stdout.splitlines()
            if line.startswith("  health")]
    assert rows == [("health", "PASS"), ("health (strict)", "FAIL")]
    junit = next((tmp_path / "s" / "suites").glob("gate-*/junit.xml")).read_text()
    assert junit.count("<testsuite ") == 2 and 'name="p95 &lt; 1ms"' in junit


def test_a_problem_in_any_test_of_a_suite_stops_it_before_the_first_run(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text("target: http://127.0.0.1:9\nload: {phases: [{duration: 1s, rate: 1}]}\n"
                                        "scenarios: [{flow: [{get: /}]}]\n")
    (tmp_path / "bad.yaml").write_text("target: http://127.0.0.1:9\nload: {phases: [{duration: 1s, rate: lots}]}\n"
                                       "scenarios: [{flow: [{get: /}]}]\n")
    done = squall("run", "good.yaml", "bad.yaml", "--store", "s", cwd=tmp_path)
    assert done.returncode == 2
    assert "bad.yaml:2: load.phases[0].rate: 'lots' is not a rate" in done.stderr
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("source, message", [
    ("from locust import HttpUser\ndef broken(:\n", "bad.py:2: SyntaxError: invalid syntax"),
    ("from locust import HttpUser, task\nimport no_such_module\n",
     "bad.py:2: ModuleNotFoundError: No module named 'no_such_module'"),
    ("x = 1\n", "bad.py: no User class in it"),
])
def test_a_locustfile_that_does_not_import_is_refused_with_its_line(tmp_path: Path, source: str, message: str) -> None:
    (tmp_path / "bad.py").write_text(source)
    done = squall("run", "bad.py", "-u", "1", "-t", "1s", "-H", "http://127.0.0.1:9", "--store", "s", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert message in done.stderr.splitlines()[0]
    assert not (tmp_path / "s").exists()


SHAPE = """from locust import HttpUser, LoadTestShape, task
class U(HttpUser):
    @task
    def t(self):
        self.client.get("/")
"""


@pytest.mark.parametrize("shapes, message", [
    ("class S(LoadTestShape):\n    def tick(self):\n        return self.get_current_user_count() + 1, 1\n",
     "bad.py:8: S.tick() at 0 s: AttributeError"),
    ("class S(LoadTestShape):\n    def tick(self):\n        return 1, 1\n", "S still has users after 24 h: pass -t"),
    ("class S(LoadTestShape):\n    def tick(self):\n        return None\n", "S.tick() ends the test at once"),
    ("class S(LoadTestShape):\n    def tick(self):\n        return None\nclass T(S):\n    pass\n",
     "more than one LoadTestShape (S, T)"),
])
def test_a_load_test_shape_that_cannot_be_planned_is_refused(tmp_path: Path, shapes: str, message: str) -> None:
    (tmp_path / "bad.py").write_text(SHAPE + shapes)
    done = squall("run", "bad.py", "-H", "http://127.0.0.1:9", "--store", "s", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert message in done.stderr, done.stderr
    assert not (tmp_path / "s").exists()


def test_a_locustfile_runs_thresholds_from_the_sidecar_squall_toml_names(tmp_path: Path, demo_target) -> None:
    demo = demo_target(latency="fixed:2ms")
    (tmp_path / "squall.toml").write_text('sidecar = "gate.yaml"\n')
    (tmp_path / "gate.yaml").write_text("thresholds: [p50 < 1us]\n")
    locustfile = Path(__file__).resolve().parents[1] / "data" / "locust" / "two_classes.py"
    done = squall("run", str(locustfile), "-u", "2", "-t", "2s", "-H", demo.url, "--store", "s", cwd=tmp_path)
    assert done.returncode == 1 and "p50 < 1us" in done.stdout, done.stdout[-2000:] + done.stderr[-2000:]


def test_a_locustfile_run_needs_a_run_time_and_names_its_classes(tmp_path: Path) -> None:
    locustfile = Path(__file__).resolve().parents[1] / "data" / "locust" / "realistic.py"
    done = squall("run", str(locustfile), "-u", "1", "-H", "http://127.0.0.1:9", cwd=tmp_path)
    assert done.returncode == 2 and "no run time: pass -t (e.g. -t 5m)" in done.stderr
    done = squall("run", str(locustfile), "Guest", "-t", "1s", "-H", "http://127.0.0.1:9", cwd=tmp_path)
    assert done.returncode == 2 and "no User class named Guest (classes: Admin, Member)" in done.stderr


def test_a_realistic_locustfile_runs_with_locust_s_options_on_two_workers(tmp_path: Path, demo_target) -> None:
    """Two classes, an on_start login, weighted and tagged tasks, catch_response: run with
    -u/-r/-t, --tags and a sidecar spec with its thresholds; the same reports as a spec's."""
    demo = demo_target(latency="fixed:2ms")
    locustfile = Path(__file__).resolve().parents[1] / "data" / "locust" / "realistic.py"
    (tmp_path / "sidecar.yaml").write_text("thresholds: [p95 < 1s, {check: error_rate < 1%, exclude_statuses: []}]\n"
                                           "limits: {drain: 2s}\n")
    done = squall("run", str(locustfile), "-u", "6", "-r", "50", "-t", "3s", "-H", demo.url, "--tags", "read,admin",
                  "--spec", "sidecar.yaml", "--workers", "2", "--store", "s", "--html", "report.html", cwd=tmp_path)
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]  # the failing check: error_rate
    result = json.loads(next((tmp_path / "s" / "runs").glob("*/result.json")).read_text())
    endpoints = result["endpoints"]
    assert "POST /jobs" not in endpoints  # tagged write: left out by --tags read,admin
    assert {"GET /jobs", "GET /admin/stats", "GET /health (expects down)", "POST /login"} <= set(endpoints)
    assert endpoints["GET /health (expects down)"]["errors_by_class"] == {
        "failure: health says ok": endpoints["GET /health (expects down)"]["requests"]}
    assert [t["check"] for t in result["verdict"]["thresholds"]] == ["p95 < 1s", "error_rate < 1%"]
    assert {w["worker"] for w in result["workers"]} == {0, 1}
    assert (tmp_path / "report.html").read_text().startswith("<!doctype html>")


def test_the_live_page_of_a_run_on_aws_is_checked_before_anything_starts(tmp_path: Path) -> None:
    spec = str(write_spec(tmp_path, "http://127.0.0.1:9"))
    public = squall("run", spec, "--on", "aws", "--ui", "0.0.0.0:8089", cwd=tmp_path)
    assert public.returncode == 2 and "binds to loopback unless --ui-public" in public.stderr
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        taken = squall("run", spec, "--on", "aws", "--ui", f"127.0.0.1:{port}", cwd=tmp_path)
    # (with no AWS credentials here, looking for the stack first would have failed on those instead)
    assert taken.returncode == 3 and f"the live page cannot listen on 127.0.0.1:{port}" in taken.stderr


def test_a_run_refuses_a_spec_whose_other_profile_validate_refuses(tmp_path: Path) -> None:
    """Before: an unused broken profile failed `squall validate` but not `squall run`."""
    (tmp_path / "p.yaml").write_text("name: p\ntarget: http://127.0.0.1:9\nload: {phases: [{duration: 1s, rate: 1/s}]}"
                                     "\nscenarios: [{flow: [{get: /}]}]\nprofiles:\n  broken:\n"
                                     "    load: {phases: [{duration: -5s, rate: 1/s}]}\n")
    for command in (("validate",), ("run", "--store", "s")):
        done = squall(*command[:1], "p.yaml", *command[1:], cwd=tmp_path)
        assert done.returncode == 2, done.stderr
        assert "p.yaml:7: load.phases[0].duration: '-5s' is not a duration" in done.stderr
    assert not (tmp_path / "s").exists()  # nothing was run


def test_report_flags_make_their_folders_and_a_report_not_written_fails_the_command(tmp_path: Path,
                                                                                  demo_target) -> None:
    """Before: `--csv results/x` into a folder that did not exist wrote nothing, printed one line and
    exited 0 (Locust makes the folder); a CI step reading the file next broke."""
    demo = demo_target(latency="fixed:2ms")
    spec = str(write_spec(tmp_path, demo.url))
    done = squall("run", spec, "--store", "s", "--workers", "1", "--csv", "results/x", "--junit", "out/j.xml",
                  "--html", "deep/er/r.html", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "results" / "x_stats.csv").is_file() and (tmp_path / "out" / "j.xml").is_file()
    assert (tmp_path / "deep" / "er" / "r.html").is_file()
    (tmp_path / "a-file").write_text("not a folder")
    done = squall("run", spec, "--store", "s", "--workers", "1", "--junit", "a-file/j.xml", cwd=tmp_path)
    assert done.returncode == 3, done.stderr
    assert "a requested report could not be written: a-file" in done.stderr and "the verdict was PASS" in done.stderr


def test_runs_kept_in_a_subfolder_before_the_store_was_the_projects_are_pointed_at(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "api" / "squall-runs" / "runs").mkdir(parents=True)
    listed = squall("runs", cwd=tmp_path / "api")
    assert listed.returncode == 0
    assert "./squall-runs holds runs too; the project's store is" in listed.stderr
    assert str(tmp_path / "squall-runs") in listed.stderr
