"""The synthesized state machine, executed by moto's ASL interpreter on 127.0.0.1, with the
real handlers in-process and workers sending real HTTP to the demo target — driven through
`squall run --on aws` as a user would."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.aws_harness import ROOT, Emulator

SPEC = """
name: emulated
target: {{url: "{url}", timeout: 5s}}
load:
  phases:
    - {{name: steady, duration: {duration}, rate: 10/s}}
scenarios:
  - name: generate-and-poll
    flow:
      - post: {{url: /generate, name: POST /generate, json: {{prompt: x}}, capture: [{{json: $.jobId, as: jobId}}]}}
      - get: {{url: "/status/{{{{ jobId }}}}", name: "GET /status/{{id}}"}}
thresholds:
  - error_rate < 1%
  - {threshold}
# Here every "Lambda" shares one Python process (and its GIL) with the emulator, so a worker
# can start a few hundred ms late; that is the harness, not the product, so allow for it.
limits: {{lag_tolerance: 1s, max_late: 10%}}
"""


def squall_aws(emulator: Emulator, tmp_path: Path, *args: str, timeout: float = 180,
               cli_policy: bool = True) -> subprocess.CompletedProcess[str]:
    """``cli_policy`` False: as a user whose rights go beyond the CLI policy in docs/aws.md."""
    env = emulator.cli_env() if cli_policy else {**os.environ, **emulator.env, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "runner.cli", *args], cwd=tmp_path, capture_output=True, text=True,
                          timeout=timeout, env=env)


def run_args(spec: Path) -> list[str]:
    return ["run", str(spec), "--on", "aws", "--stack", "Squall", "--region", "us-east-1", "--settle", "0s",
            "--monitor-interval", "5s", "--start-margin", "3s", "--workers", "2"]


def write_spec(tmp_path: Path, url: str, threshold: str = "p95 < 5s", duration: str = "3s") -> Path:
    path = tmp_path / "emulated.yaml"
    path.write_text(SPEC.format(url=url, threshold=threshold, duration=duration))
    return path


def execution(emulator: Emulator, machine: str, run_id: str) -> dict:
    arn = machine.replace(":stateMachine:", ":execution:") + ":" + run_id
    return emulator.client("stepfunctions").describe_execution(executionArn=arn)


def run_id_of(done: subprocess.CompletedProcess[str]) -> str:
    return done.stderr.split("squall: run ", 1)[1].split(":", 1)[0]


def test_a_run_on_aws_passes_with_every_request_counted(emulator, demo_target, tmp_path: Path) -> None:
    emu, machine, bucket = emulator
    demo = demo_target(latency="fixed:2ms")
    judged_before = emu.enforcer.judged
    done = squall_aws(emu, tmp_path, *run_args(write_spec(tmp_path, demo.url)))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "VERDICT: PASS" in done.stdout
    assert emu.enforcer.judged - judged_before > 20  # every handler's calls were judged against its role
    run_id = run_id_of(done)
    described = execution(emu, machine, run_id)
    assert described["status"] == "SUCCEEDED"
    output = json.loads(described["output"])
    assert output["status"] == "PASS" and output["result_uri"] == f"s3://{bucket}/runs/{run_id}/result.json"
    s3 = emu.client("s3")
    result = json.loads(s3.get_object(Bucket=bucket, Key=f"runs/{run_id}/result.json")["Body"].read())
    assert result["backend"] == "aws" and result["plan"]["workers"] == 2
    assert result["overall"]["requests"] == sum(demo.state.seen.values()) == 60  # 30 arrivals, 2 requests each
    assert {w["worker"] for w in result["workers"]} == {0, 1} and all(w["final"] for w in result["workers"])
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=f"runs/{run_id}/")["Contents"]]
    assert f"runs/{run_id}/live.json" in keys and f"runs/{run_id}/report.txt" in keys
    assert {f"runs/{run_id}/reports/{name}" for name in ("report.html", "report.md", "junit.xml", "stats.csv")} <= set(keys)
    assert output["html_report_uri"] == f"s3://{bucket}/runs/{run_id}/reports/report.html"
    assert any("/shards/0/" in k and k.endswith("/00001.json.gz") for k in keys)
    assert {f"runs/{run_id}/snapshots/0/000/{w:05d}.json.gz" for w in (0, 1)} <= set(keys)


def test_workers_read_their_ssm_secrets_in_one_batch_under_their_role(emulator, demo_target, tmp_path: Path) -> None:
    """Two parameters under the allowed prefix: one GetParameters call, authorized per name by the
    worker's synthesized role (a refused name would refuse the call, fail the workers and the run)."""
    emu, _, _ = emulator
    demo = demo_target(latency="fixed:2ms")
    for name, value in (("/squall/emulated/user", "ada"), ("/squall/emulated/token", "tok-1")):
        emu.client("ssm").put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True)
    spec = write_spec(tmp_path, demo.url)
    spec.write_text(spec.read_text().replace("timeout: 5s}", "timeout: 5s, headers: {X-User: '{{ secret:ssm:/squall/"
                                             "emulated/user }}', X-Token: '{{ secret:ssm:/squall/emulated/token }}'}}"))
    done = squall_aws(emu, tmp_path, *run_args(spec))
    assert done.returncode == 0, done.stdout + done.stderr
    assert sum(demo.state.seen.values()) == 60 and "tok-1" not in done.stdout + done.stderr


def test_a_failed_verdict_fails_the_execution_with_the_threshold_in_its_cause(emulator, demo_target,
                                                                             tmp_path: Path) -> None:
    emu, machine, _ = emulator
    demo = demo_target(latency="fixed:2ms")
    done = squall_aws(emu, tmp_path, *run_args(write_spec(tmp_path, demo.url, threshold="p50 < 1us")))
    assert done.returncode == 1, done.stdout + done.stderr
    described = execution(emu, machine, run_id_of(done))
    assert described["status"] == "FAILED"
    assert described["error"] == "Squall.ThresholdsFailed"
    assert described["cause"].startswith("FAIL: p50 < 1us: measured")


def test_squall_stop_ends_a_run_early_and_keeps_its_results(emulator, demo_target, tmp_path: Path) -> None:
    emu, machine, bucket = emulator
    demo = demo_target(latency="fixed:2ms")
    env = emu.cli_env()
    process = subprocess.Popen([sys.executable, "-m", "runner.cli",
                                *run_args(write_spec(tmp_path, demo.url, duration="120s"))],
                               cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    s3 = emu.client("s3")
    deadline = time.monotonic() + 60
    run_id = None
    while time.monotonic() < deadline:
        runs = s3.list_objects_v2(Bucket=bucket, Prefix="runs/", Delimiter="/").get("CommonPrefixes", [])
        for prefix in runs:
            shards = s3.list_objects_v2(Bucket=bucket, Prefix=prefix["Prefix"] + "shards/").get("KeyCount", 0)
            meta = s3.list_objects_v2(Bucket=bucket, Prefix=prefix["Prefix"] + "result.json").get("KeyCount", 0)
            if shards and not meta:
                run_id = prefix["Prefix"].split("/")[1]
        if run_id:
            break
        time.sleep(0.5)
    assert run_id, "the run never started sending"
    stopped = squall_aws(emu, tmp_path, "stop", run_id, "--stack", "Squall", "--region", "us-east-1")
    assert stopped.returncode == 0, stopped.stderr
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stdout + stderr
    assert "VERDICT: STOPPED" in stdout
    result = json.loads(s3.get_object(Bucket=bucket, Key=f"runs/{run_id}/result.json")["Body"].read())
    assert result["verdict"]["status"] == "STOPPED"
    assert 0 < result["overall"]["requests"] == sum(demo.state.seen.values()) < 2 * 1200
    assert execution(emu, machine, run_id)["status"] == "SUCCEEDED"


def test_runs_watch_and_fetch_find_a_finished_run(emulator, demo_target, tmp_path: Path) -> None:
    emu, _, _ = emulator
    demo = demo_target(latency="fixed:2ms")
    done = squall_aws(emu, tmp_path, *run_args(write_spec(tmp_path, demo.url, duration="1s")))
    assert done.returncode == 0, done.stdout + done.stderr
    run_id = run_id_of(done)
    aws = ["--stack", "Squall", "--region", "us-east-1"]
    listed = squall_aws(emu, tmp_path, "runs", "--on", "aws", *aws)
    assert listed.returncode == 0 and run_id in listed.stdout and "PASS" in listed.stdout
    watched = squall_aws(emu, tmp_path, "watch", run_id, *aws)
    assert watched.returncode == 0 and "VERDICT: PASS" in watched.stdout
    fetched = squall_aws(emu, tmp_path, "fetch", run_id, "-o", "out", *aws)
    assert fetched.returncode == 0, fetched.stderr
    assert (tmp_path / "out" / run_id / "result.json").exists() and (tmp_path / "out" / run_id / "report.txt").exists()


def test_a_host_outside_the_guardrails_is_refused_in_plan_with_exit_2(emulator, tmp_path: Path) -> None:
    emu, machine, _ = emulator
    done = squall_aws(emu, tmp_path, *run_args(write_spec(tmp_path, "http://localhost:9")))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "target host 'localhost' is not allowed" in done.stderr
    assert "squall:allowedHosts" in done.stderr
    assert execution(emu, machine, run_id_of(done))["status"] == "FAILED"


def test_a_missing_stack_is_one_clear_line_and_exit_3(emulator, tmp_path: Path) -> None:
    emu, _, _ = emulator
    done = squall_aws(emu, tmp_path, "runs", "--on", "aws", "--stack", "NoSuchStack", "--region", "us-east-1",
                      cli_policy=False)  # the docs' CLI policy names the Squall stack only
    assert done.returncode == 3
    assert done.stderr.strip() == ("squall: could not run: stack NoSuchStack not found in us-east-1: deploy it with "
                                   "`npx cdk deploy` or pass --stack/--region")


def test_missing_credentials_are_one_clear_line_and_exit_3(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"HOME": str(tmp_path), "AWS_EC2_METADATA_DISABLED": "true", "PYTHONPATH": str(ROOT),
                "AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")})
    done = subprocess.run([sys.executable, "-m", "runner.cli", "runs", "--on", "aws", "--region", "us-east-1"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 3
    assert done.stderr.strip().startswith("squall: could not run: no AWS credentials found")


def test_squall_watch_ui_draws_a_run_on_aws_and_its_stop_button_ends_it(emulator, demo_target, tmp_path: Path) -> None:
    """`squall watch RUN_ID --ui` as the CLI policy in docs/aws.md allows: the page drawn from the
    monitor's live.json and the execution's state; Stop on the page sets the stop flag."""
    from prometheus_client.openmetrics.parser import text_string_to_metric_families

    from tests.functional.test_live_page import wait_for
    from tests.processes import page_origin
    emu, machine, bucket = emulator
    demo = demo_target(latency="fixed:2ms")
    env = emu.cli_env()
    run = subprocess.Popen([sys.executable, "-m", "runner.cli", *run_args(write_spec(tmp_path, demo.url, duration="120s"))],
                           cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    s3 = emu.client("s3")
    watcher = None
    try:
        deadline = time.monotonic() + 60
        run_id = None
        while run_id is None and time.monotonic() < deadline:
            for prefix in s3.list_objects_v2(Bucket=bucket, Prefix="runs/", Delimiter="/").get("CommonPrefixes", []):
                if s3.list_objects_v2(Bucket=bucket, Prefix=prefix["Prefix"] + "plan.json").get("KeyCount", 0) and \
                        not s3.list_objects_v2(Bucket=bucket, Prefix=prefix["Prefix"] + "result.json").get("KeyCount"):
                    run_id = prefix["Prefix"].split("/")[1]
            time.sleep(0.5)
        assert run_id, "the run never started"
        watcher = subprocess.Popen([sys.executable, "-m", "runner.cli", "watch", run_id, "--stack", "Squall",
                                    "--region", "us-east-1", "--ui", "127.0.0.1:0", "--ui-linger", "5"],
                                   cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        origin = page_origin(watcher)
        wait_for(origin + "/metrics")
        state: dict = {}
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            state = json.loads(urllib.request.urlopen(origin + "/state", timeout=5).read())
            if state.get("endpoints") and len(state["series"]["x"]) >= 3:
                break
            time.sleep(1)
        families = {f.name: f for f in text_string_to_metric_families(
            urllib.request.urlopen(origin + "/metrics", timeout=5).read().decode())}
        page = urllib.request.urlopen(origin + "/", timeout=5).read().decode()
        token = page.split("const TOKEN = '", 1)[1].split("'", 1)[0]  # what the page's own Stop sends
        urllib.request.urlopen(urllib.request.Request(origin + "/stop", method="POST",
                                                      headers={"X-Squall-Token": token}), timeout=5).read()
        final: dict = {}
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not final.get("verdict"):
            final = json.loads(urllib.request.urlopen(origin + "/state", timeout=5).read())
            time.sleep(0.5)
        report = urllib.request.urlopen(origin + "/report", timeout=5).read().decode()
        watched_out, watched_err = watcher.communicate(timeout=60)
        out, err = run.communicate(timeout=120)
    finally:
        for process in (run, watcher):
            if process is not None and process.poll() is None:
                process.kill()
    assert [e["name"] for e in state["endpoints"]] == ["GET /status/{id}", "POST /generate"], state
    assert state["series"]["requests"][-1] > 0 and state["thresholds"][0]["status"] == "PASS"
    assert "workers running" in state["detail"] and state["name"] == "emulated"
    assert sum(s.value for s in families["squall_requests"].samples if s.name.endswith("_total")) > 0
    assert final["verdict"]["status"] == "STOPPED" and "<html" in report.lower()
    assert watcher.returncode == 130 and "VERDICT: STOPPED" in watched_out, watched_out[-2000:] + watched_err[-2000:]
    assert run.returncode == 130, out[-2000:] + err[-2000:]


def test_a_locustfile_runs_on_aws_through_the_state_machine(emulator, demo_target, tmp_path: Path) -> None:
    """`squall run locustfile.py --on aws`: the file and the module it imports carried to the
    workers, run by Locust in a process each Lambda worker starts (acting as the worker's role),
    recorded as ordinary shards and snapshots, judged and reported like a YAML spec."""
    emu, machine, bucket = emulator
    demo = demo_target(latency="fixed:2ms")
    folder = tmp_path / "suite"
    folder.mkdir()
    (folder / "locustfile.py").write_text((ROOT / "tests" / "data" / "locust" / "realistic.py").read_text()
                                          .replace("from locust import", "from helpers import TEMPLATE\nfrom locust import")
                                          .replace('"tpl-1"', "TEMPLATE"))
    (folder / "helpers.py").write_text('TEMPLATE = "tpl-1"  # a module beside the locustfile, imported by it\n')
    (tmp_path / "sidecar.yaml").write_text("thresholds: [p95 < 5s]\n")
    done = squall_aws(emu, tmp_path, "run", str(folder / "locustfile.py"), "-u", "4", "-r", "4", "-t", "6s",
                      "-H", demo.url, "--spec", "sidecar.yaml", *run_args(Path("unused"))[2:])
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "VERDICT: PASS" in done.stdout
    run_id = run_id_of(done)
    assert execution(emu, machine, run_id)["status"] == "SUCCEEDED"
    s3 = emu.client("s3")
    result = json.loads(s3.get_object(Bucket=bucket, Key=f"runs/{run_id}/result.json")["Body"].read())
    endpoints = result["endpoints"]
    assert endpoints["POST /login"]["requests"] == 3  # one on_start login per Member (3 of 4 users by weight)
    assert {"GET /jobs", "POST /jobs", "GET /admin/stats", "GET /health (expects down)"} <= set(endpoints)
    assert endpoints["GET /health (expects down)"]["errors_by_class"] == {
        "failure: health says ok": endpoints["GET /health (expects down)"]["requests"]}
    assert result["overall"]["requests"] == sum(demo.state.seen.values()) > 50
    assert {w["worker"] for w in result["workers"]} == {0, 1} and all(w["final"] for w in result["workers"])
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=f"runs/{run_id}/")["Contents"]]
    assert {f"runs/{run_id}/snapshots/0/000/{w:05d}.json.gz" for w in (0, 1)} <= set(keys)
    assert f"runs/{run_id}/reports/report.html" in keys


def test_a_locustfile_on_aws_runs_slice_after_slice_and_stops_on_the_flag(emulator, demo_target,
                                                                         tmp_path: Path) -> None:
    emu, machine, bucket = emulator
    demo = demo_target(latency="fixed:2ms")
    locustfile = ROOT / "tests" / "data" / "locust" / "two_classes.py"
    run = subprocess.Popen([sys.executable, "-m", "runner.cli", "run", str(locustfile), "-u", "4", "-r", "100",
                            "-t", "120s", "-H", demo.url, *run_args(Path("unused"))[2:], "--slice", "3s"],
                           cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=emu.cli_env())
    s3 = emu.client("s3")
    run_id = None
    deadline = time.monotonic() + 90
    while run_id is None and time.monotonic() < deadline:  # until the second slice has sent something
        for prefix in s3.list_objects_v2(Bucket=bucket, Prefix="runs/", Delimiter="/").get("CommonPrefixes", []):
            if s3.list_objects_v2(Bucket=bucket, Prefix=prefix["Prefix"] + "shards/1/").get("KeyCount", 0) and \
                    not s3.list_objects_v2(Bucket=bucket, Prefix=prefix["Prefix"] + "result.json").get("KeyCount"):
                run_id = prefix["Prefix"].split("/")[1]
        time.sleep(0.5)
    try:
        assert run_id, "the second slice never started"
        stopped = squall_aws(emu, tmp_path, "stop", run_id, "--stack", "Squall", "--region", "us-east-1")
        assert stopped.returncode == 0, stopped.stderr
        out, err = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 130 and "VERDICT: STOPPED" in out, out[-3000:] + err[-3000:]
    result = json.loads(s3.get_object(Bucket=bucket, Key=f"runs/{run_id}/result.json")["Body"].read())
    assert {(w["slice"], w["worker"]) for w in result["workers"]} >= {(0, 0), (0, 1), (1, 0), (1, 1)}
    assert all(w["final"] for w in result["workers"])
    assert result["overall"]["requests"] == sum(demo.state.seen.values()) > 0
    assert result["duration_s"] < 60  # stopped long before its 120 s
    # each slice's Regular users log in again: more than slice 0's three (a full-suite run on this 2-core machine
    # once stopped the run before one of slice 1's users had reached its on_start: 5)
    assert result["endpoints"]["POST /login"]["requests"] > 3
