"""Several runs on one stack: Plan counts the runs going on beside the one it plans (their running
executions, read back to their plans) against the account's concurrency, refuses a run that would
not fit beside them naming them, and two overlapping runs both pass."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.aws_harness import Emulator, answer_account_settings, synth
from tests.e2e_emulated.test_state_machine import run_args, run_id_of, squall_aws, write_spec


@pytest.fixture(scope="module")
def stack() -> Iterator[tuple[Emulator, str]]:
    answer_account_settings()
    emulator = Emulator()
    _, bucket = emulator.deploy(synth(allowedHosts=["127.0.0.1"]))
    yield emulator, bucket
    emulator.close()


def planned_runs(emulator: Emulator, bucket: str) -> list[str]:
    listed = emulator.client("s3").list_objects_v2(Bucket=bucket, Prefix="runs/")
    return [o["Key"].split("/")[1] for o in listed.get("Contents", []) if o["Key"].endswith("/plan.json")]


def test_a_run_that_does_not_fit_beside_another_is_refused_and_two_that_fit_both_pass(
        stack, demo_target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    emulator, bucket = stack
    demo = demo_target(latency="fixed:2ms")
    (tmp_path / "a").mkdir()
    first = subprocess.Popen([sys.executable, "-m", "runner.cli",
                              *run_args(write_spec(tmp_path / "a", demo.url, duration="20s"))],
                             cwd=tmp_path / "a", stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=emulator.cli_env())
    try:
        deadline = time.monotonic() + 60
        while not planned_runs(emulator, bucket) and time.monotonic() < deadline:
            time.sleep(0.2)
        [first_id] = planned_runs(emulator, bucket)
        # 8 executions: the first run holds 5 (2 workers; plan, monitor and collect), the next needs 5 more
        monkeypatch.setitem(os.environ, "MOTO_LAMBDA_CONCURRENCY_QUOTA", "8")
        (tmp_path / "b").mkdir()
        refused = squall_aws(emulator, tmp_path / "b", *run_args(write_spec(tmp_path / "b", demo.url)))
        assert refused.returncode != 0 and "VERDICT" not in refused.stdout, refused.stdout + refused.stderr
        assert "only 8 unreserved concurrent executions" in refused.stderr
        assert f"1 other run going on holds 2 ({first_id})" in refused.stderr, refused.stderr
        monkeypatch.setitem(os.environ, "MOTO_LAMBDA_CONCURRENCY_QUOTA", "1000")
        (tmp_path / "c").mkdir()
        second = squall_aws(emulator, tmp_path / "c", *run_args(write_spec(tmp_path / "c", demo.url)))
        assert second.returncode == 0 and "VERDICT: PASS" in second.stdout, second.stdout + second.stderr
        assert first.poll() is None  # the second run began and ended while the first one went on
        out, err = first.communicate(timeout=180)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0 and "VERDICT: PASS" in out, out + err
    results = {run_id: json.loads(emulator.client("s3").get_object(
        Bucket=bucket, Key=f"runs/{run_id}/result.json")["Body"].read()) for run_id in (first_id, run_id_of(second))}
    assert {run_id: r["overall"]["requests"] for run_id, r in results.items()} == {
        first_id: 400, run_id_of(second): 60}  # 10/s x 2 requests: every one counted, none in the other run
    assert sum(demo.state.seen.values()) == 460
