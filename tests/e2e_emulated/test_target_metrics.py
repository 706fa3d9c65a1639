"""The target's own metrics in the verdict, end to end: the demo target throttles (its
concurrency limit answers 429, as Lambda reserved concurrency would) and publishes the metrics
AWS would publish into moto's CloudWatch on 127.0.0.1; `squall run` pulls them, FAILs on
aws.lambda.throttles == 0 with the count, and prices the target from them."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.aws_harness import ROOT, Emulator
from tests.processes import demo_target_process

SPEC = """
name: throttled
target: {{url: "http://127.0.0.1:{port}", timeout: 5s}}
load:
  phases:
    - {{name: steady, duration: 4s, rate: 30/s}}
scenarios:
  - flow:
      - post: {{url: /generate, name: POST /generate, json: {{prompt: x}}, expect: [202, 429]}}
aws:
  region: us-east-1
  resources:
    lambda: [squall-demo-generate]
    apigateway: [{{name: squall-demo-api, stage: prod}}]
  settle: 30s
thresholds:
  - error_rate < 1%
  - aws.lambda.throttles == 0
  - check: aws.apigateway.5xx_rate < 1%
    severity: should
"""


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    emulator = Emulator()
    emulator.create_function("squall-demo-generate", memory_mb=1024, architecture="arm64")
    yield emulator
    emulator.close()


@pytest.fixture
def publishing_demo(emulator: Emulator) -> Iterator[str]:
    env = {**os.environ, **emulator.env, "PYTHONPATH": str(ROOT)}
    process, url = demo_target_process("--latency", "fixed:200ms", "--concurrency", "2", "--publish-metrics",
                                       "--metrics-interval", "0.5", env=env)
    yield url
    process.terminate()
    process.wait()


def test_a_throttling_target_fails_on_its_own_lambda_throttles_and_is_priced(emulator: Emulator,
                                                                           publishing_demo: str,
                                                                           tmp_path: Path) -> None:
    spec = tmp_path / "throttled.yaml"
    spec.write_text(SPEC.format(port=publishing_demo.rsplit(":", 1)[1]))
    done = subprocess.run([sys.executable, "-m", "runner.cli", "run", str(spec), "--store", "s", "--workers", "1"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=180,
                          env={**os.environ, **emulator.env, "PYTHONPATH": str(ROOT)})
    seen = json.loads(urllib.request.urlopen(publishing_demo + "/__stats").read())["seen"]
    throttled_by_server = sum(v for k, v in seen.items() if k.endswith(" 429"))
    assert throttled_by_server > 0
    assert done.returncode == 1, done.stdout + done.stderr
    [run_dir] = (tmp_path / "s" / "runs").iterdir()
    result = json.loads((run_dir / "result.json").read_text())
    [throttles] = [t for t in result["verdict"]["thresholds"] if t["check"] == "aws.lambda.throttles == 0"]
    assert throttles["status"] == "FAIL" and 0 < throttles["measured"] <= throttled_by_server
    assert f"aws.lambda.throttles == 0: measured {throttles['measured']:,.0f}" in done.stdout
    assert [t["status"] for t in result["verdict"]["thresholds"]] == ["PASS", "FAIL", "PASS"]  # 429s were expected
    target = result["target"]
    [fn] = target["totals"]["lambda"]
    assert fn["memory_mb"] == 1024 and fn["invocations"] > 0
    assert target["cross_check"]["api_count"] > 0
    assert any("Lambda squall-demo-generate was throttled" in a for a in target["advice"])
    items = {i["name"]: i for i in result["cost"]["target"]["items"]}
    assert items["API Gateway REST requests"]["cost_usd"] == pytest.approx(
        items["API Gateway REST requests"]["quantity"] * 3.50 / 1e6)
    compute = items["Lambda squall-demo-generate compute"]
    assert compute["quantity"] == pytest.approx(fn["invocations"] * fn["duration_avg_ms"] / 1000 * 1024 / 1024)
    assert compute["cost_usd"] == pytest.approx(compute["quantity"] * 0.0000133334)  # arm64
    assert result["cost"]["target"]["per_1000_requests_usd"] > 0
    assert "cost of the target, during the test" in done.stdout
