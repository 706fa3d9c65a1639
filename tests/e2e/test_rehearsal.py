"""`squall run SPEC --on aws --rehearse`: the whole AWS path on this machine, as a user with no
account tries a spec before deploying: the synthesized state machine in moto, the handlers in
the CLI's process, the CLI printing what a real run prints, result.json kept locally."""
from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.test_cli import squall

SPEC = """
name: rehearsal
target: {url}
load:
  phases:
    - {{duration: 30s, rate: 20/s}}
scenarios:
  - flow: [{{get: /health}}]
thresholds: [error_rate < 1%, p95 < 1s]
limits: {{lag_tolerance: 1s, max_late: 10%}}
"""


def test_a_three_slice_rehearsal_has_every_second_at_its_rate_and_no_pause(tmp_path: Path, demo_target) -> None:
    demo = demo_target(latency="fixed:2ms")
    (tmp_path / "spec.yaml").write_text(SPEC.format(url=demo.url))
    done = squall("run", "spec.yaml", "--on", "aws", "--rehearse", "--slice", "10s", "--workers", "1",
                  cwd=tmp_path, timeout=240)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "VERDICT: PASS" in done.stdout and "slice 2: 20 s → 30 s · took over without a pause" in done.stdout
    assert "werkzeug" not in done.stderr and "127.0.0.1 - -" not in done.stderr  # the emulator's own log is quiet
    [run] = (tmp_path / "squall-runs" / "runs").iterdir()
    result = json.loads((run / "result.json").read_text())
    assert result["backend"] == "aws" and len(result["slices"]) == 3
    assert all(s["gap_s"] is None or abs(s["gap_s"]) <= 1.0 for s in result["slices"])
    arrivals = [row["arrivals"] for row in result["timeline"]]
    assert arrivals[:30] == [20] * 30 and sum(arrivals) == 600
    assert result["overall"]["requests"] == sum(demo.state.seen.values()) == 600
    assert (run / "reports" / "report.html").exists()
    # the functions' own Powertools and EMF JSON lines go to a log of the run, not among the summary
    # (before: raw JSON lines on stdout, in the middle of the CLI's output)
    assert not [line for line in (done.stdout + done.stderr).splitlines() if line.startswith("{")]
    logged = (run / "rehearsal.log").read_text().splitlines()
    assert logged and all(json.loads(line) for line in logged)


def test_rehearse_without_on_aws_is_refused(tmp_path: Path) -> None:
    (tmp_path / "spec.yaml").write_text(SPEC.format(url="http://127.0.0.1:9"))
    done = squall("run", "spec.yaml", "--rehearse", cwd=tmp_path)
    assert done.returncode == 2 and "write --on aws --rehearse" in done.stderr


def test_a_refused_target_under_rehearse_is_one_clean_line(tmp_path: Path) -> None:
    """Before: a 33-line moto traceback, moto's own error log and Node's end-of-life banner (as
    Python bytes) came before the refusal."""
    (tmp_path / "spec.yaml").write_text(SPEC.format(url="http://api.example.invalid"))
    done = squall("run", "spec.yaml", "--on", "aws", "--rehearse", cwd=tmp_path, timeout=240)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "squall: the run was refused: target host 'api.example.invalid' is not allowed" in done.stderr
    for noise in ("Traceback", "Exception=", "end-of-life", "b'!!"):
        assert noise not in done.stderr, done.stderr
