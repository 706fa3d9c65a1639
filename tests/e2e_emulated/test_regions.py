"""One run from two regions: the synthesized stack deployed in us-east-1 and eu-west-1 of moto's
server, `squall run --on aws` splitting the load 60/40, each region's part run by its own state
machine from one agreed instant, and the parts joined in the home region's bucket — driven as a
user would, with the docs' CLI policy of each region's stack enforced."""
from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from analysis.regions import RegionPart, join_runs
from runner.aws.s3store import S3Store
from runner.results.collect import gather
from tests.aws_harness import Emulator, synth
from tests.e2e_emulated.test_state_machine import run_id_of, squall_aws

SPEC = """
name: two-regions
target: {{url: "{url}", timeout: 5s}}
load: {{phases: [{{name: steady, duration: 4s, rate: 25/s}}]}}
scenarios: [{{flow: [{{get: {{url: /health, name: GET /health}}}}]}}]
regions: {regions}
thresholds:
  - error_rate < 1%
  - p95 < 5s
  - {{check: p95 < 5s, region: us-east-1}}
  - {{check: {west}, region: {second}}}
# every "Lambda" here shares one Python process with the emulator: a worker may start late
limits: {{lag_tolerance: 1s, max_late: 10%}}
"""


@pytest.fixture(scope="module")
def two_regions() -> Iterator[tuple[Emulator, dict[str, str], str]]:
    """The stack in us-east-1 and in eu-west-1 (sharing one bucket here: runner/aws/rehearsal.py)."""
    emulator = Emulator()
    template = synth(allowedHosts=["127.0.0.1"])
    east, bucket = emulator.deploy(template)
    west, _ = emulator.deploy(template, region="eu-west-1", bucket=bucket)
    yield emulator, {"us-east-1": east, "eu-west-1": west}, bucket
    emulator.close()


def run(emulator: Emulator, tmp_path: Path, url: str, regions: str, west: str = "p95 < 5s", second: str = "eu-west-1"):
    spec = tmp_path / "two.yaml"
    spec.write_text(SPEC.format(url=url, regions=regions, west=west, second=second))
    return squall_aws(emulator, tmp_path, "run", str(spec), "--on", "aws", "--stack", "Squall", "--region", "us-east-1",
                      "--settle", "0s", "--monitor-interval", "5s", "--start-margin", "3s", timeout=240)


def test_a_run_split_60_40_across_two_regions_is_one_run_with_every_request_counted(
        two_regions, demo_target, tmp_path: Path) -> None:
    emulator, machines, bucket = two_regions
    demo = demo_target(latency="fixed:2ms")
    done = run(emulator, tmp_path, demo.url, "{us-east-1: 60%, eu-west-1: 40%}")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "VERDICT: PASS" in done.stdout
    run_id = run_id_of(done)
    for region, machine in machines.items():  # each region's part ran in its own region's state machine
        assert execution_in(emulator, machine, f"{run_id}.{region}", region)["status"] == "SUCCEEDED"
    store = S3Store(bucket, emulator.client("s3"))
    result = store.get_json(f"runs/{run_id}/result.json")
    assert result["overall"]["requests"] == sum(demo.state.seen.values()) == 100  # 25/s for 4 s, every one sent
    rows = {row["region"]: row for row in result["regions"]}
    assert (rows["us-east-1"]["overall"]["requests"], rows["eu-west-1"]["overall"]["requests"]) == (60, 40)
    # both parts' workers started on the agreed instant by their clocks, unless this busy machine made a Plan late
    assert all(row["state"] == "ran" and row["start_late_s"] >= 0.0 for row in rows.values()), rows
    assert all(abs(row["clock_offset_s"]) <= row["clock_bound_s"] for row in rows.values()), rows  # one clock here
    parts = [RegionPart(region, gather(store, f"{run_id}.{region}").run, 1) for region in ("us-east-1", "eu-west-1")]
    merged = join_runs(parts).overall.latency
    assert result["overall"]["latency"]["p95_ms"] == pytest.approx(merged.percentile_us(95) / 1000, abs=0.001)
    assert result["cost"]["test"]["total_usd"] == pytest.approx(
        sum(row["cost"]["total_usd"] for row in rows.values()))
    assert "us-east-1" in done.stdout and "eu-west-1" in done.stdout  # the summary shows them side by side
    assert result["verdict"]["thresholds"][-1]["region"] == "eu-west-1"


def test_a_threshold_naming_a_region_fails_the_run_on_that_region_alone(two_regions, demo_target,
                                                                        tmp_path: Path) -> None:
    emulator, _, _ = two_regions
    demo = demo_target(latency="fixed:2ms")
    done = run(emulator, tmp_path, demo.url, "[us-east-1, eu-west-1]", west="p95 < 0.5ms")
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    verdict = done.stdout.split("VERDICT: FAIL", 1)[1]
    assert "p95 < 0.5ms in eu-west-1: measured" in verdict
    assert "us-east-1" not in verdict


def test_a_region_without_a_stack_is_named_and_its_share_leaves_the_answer_open(two_regions, demo_target,
                                                                               tmp_path: Path) -> None:
    emulator, _, _ = two_regions
    demo = demo_target(latency="fixed:2ms")
    done = run(emulator, tmp_path, demo.url, "{us-east-1: 50%, ap-south-1: 50%}", second="ap-south-1").stdout
    assert "ap-south-1" in done and "sent nothing: stack Squall not found in ap-south-1" in done
    assert "VERDICT: INCONCLUSIVE" in done
    assert "its 50% of the load is missing; error_rate < 1%" in done  # the missing half could all have failed
    assert sum(demo.state.seen.values()) == 50  # us-east-1's half was sent, and counted


def run_folders(emulator: Emulator, bucket: str) -> set[str]:
    return {p["Prefix"].split("/")[1] for p in emulator.client("s3").list_objects_v2(
        Bucket=bucket, Prefix="runs/", Delimiter="/").get("CommonPrefixes", [])}


def execution_in(emulator: Emulator, machine: str, name: str, region: str) -> dict:
    arn = machine.replace(":stateMachine:", ":execution:") + ":" + name
    return emulator.client("stepfunctions", region).describe_execution(executionArn=arn)



def test_squall_stop_stops_every_region_s_part(two_regions, demo_target, tmp_path: Path) -> None:
    emulator, machines, bucket = two_regions
    demo = demo_target(latency="fixed:2ms")
    spec = tmp_path / "long.yaml"
    spec.write_text(SPEC.format(url=demo.url, regions="[us-east-1, eu-west-1]", west="p95 < 5s", second="eu-west-1")
                    .replace("duration: 4s", "duration: 120s"))
    env = emulator.cli_env()
    before = run_folders(emulator, bucket)  # the earlier tests' runs are not this one
    started = subprocess.Popen([sys.executable, "-m", "runner.cli", "run", str(spec), "--on", "aws", "--stack", "Squall",
                                "--region", "us-east-1", "--settle", "0s", "--monitor-interval", "5s",
                                "--start-margin", "3s"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        s3 = emulator.client("s3")
        deadline = time.monotonic() + 90
        run_id = None
        while run_id is None and time.monotonic() < deadline:  # both parts have sent something
            found = run_folders(emulator, bucket) - before
            joined = [r for r in found if f"{r}.us-east-1" in found and f"{r}.eu-west-1" in found]
            if joined and all(s3.list_objects_v2(Bucket=bucket, Prefix=f"runs/{joined[0]}.{region}/shards/")
                              .get("KeyCount") for region in machines):
                run_id = joined[0]
            time.sleep(0.5)
        assert run_id, "the parts never sent anything"
        stopped = squall_aws(emulator, tmp_path, "stop", run_id, "--stack", "Squall", "--region", "us-east-1")
        assert stopped.returncode == 0, stopped.stderr
        out, _ = started.communicate(timeout=120)
    finally:
        if started.poll() is None:
            started.kill()
    assert started.returncode == 130 and "VERDICT: STOPPED" in out, out[-3000:]
    for region, machine in machines.items():
        assert execution_in(emulator, machine, f"{run_id}.{region}", region)["status"] == "SUCCEEDED"
    assert sum(demo.state.seen.values()) < 25 * 60  # stopped well before half the 120 s planned


def test_squall_watch_joins_the_parts_when_the_cli_that_started_the_run_is_gone(two_regions, demo_target,
                                                                                tmp_path: Path) -> None:
    """The CLI that started a run across regions is killed while the parts run: `squall watch`
    follows them to their end and joins them, losing nothing."""
    emulator, _, bucket = two_regions
    demo = demo_target(latency="fixed:2ms")
    spec = tmp_path / "two.yaml"
    spec.write_text(SPEC.format(url=demo.url, regions="[us-east-1, eu-west-1]", west="p95 < 5s", second="eu-west-1"))
    before = run_folders(emulator, bucket)  # the earlier tests' runs are not this one
    started = subprocess.Popen([sys.executable, "-m", "runner.cli", "run", str(spec), "--on", "aws", "--stack", "Squall",
                                "--region", "us-east-1", "--settle", "0s", "--monitor-interval", "5s",
                                "--start-margin", "3s"], cwd=tmp_path, env=emulator.cli_env(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    s3 = emulator.client("s3")
    run_id = None
    deadline = time.monotonic() + 90
    try:
        while run_id is None and time.monotonic() < deadline:  # the joined run's meta.json is written
            for name in run_folders(emulator, bucket) - before:
                if "." not in name and \
                        s3.list_objects_v2(Bucket=bucket, Prefix=f"runs/{name}/meta.json").get("KeyCount") and \
                        not s3.list_objects_v2(Bucket=bucket, Prefix=f"runs/{name}/result.json").get("KeyCount"):
                    run_id = name
            time.sleep(0.2)
    finally:
        started.kill()  # as a laptop closed: no stop flag, the parts go on
        started.wait(timeout=30)
    assert run_id, "the run never started"
    watched = squall_aws(emulator, tmp_path, "watch", run_id, "--stack", "Squall", "--region", "us-east-1",
                         timeout=240)
    assert watched.returncode == 0, watched.stdout[-3000:] + watched.stderr[-3000:]
    assert "VERDICT: PASS" in watched.stdout
    result = S3Store(bucket, s3).get_json(f"runs/{run_id}/result.json")
    assert result["overall"]["requests"] == sum(demo.state.seen.values()) == 100
