"""The README's first spec and its commands, run as a reader would (shortened: each phase 1 s)."""
from __future__ import annotations

import json
import re
from pathlib import Path

from tests.e2e.test_cli import squall

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_first_spec_validates_plans_and_passes_against_the_demo_api(tmp_path: Path, demo_target) -> None:
    [block] = [b for b in re.findall(r"```yaml\n(.*?)```", README.read_text(), flags=re.S) if "\nname: first\n" in b]
    (tmp_path / "first.yaml").write_text(block)
    (tmp_path / "squall.schema.json").write_text(squall("schema", cwd=tmp_path).stdout)  # the comment's schema
    demo = demo_target(latency="lognormal:20ms:0.5")
    shorter = [arg for phase in ("warm-up", "ramp", "sustained") for arg in ("--set", f"load.phases.{phase}.duration=1s")]
    assert squall("validate", "first.yaml", cwd=tmp_path).returncode == 0
    assert squall("plan", "first.yaml", *shorter, cwd=tmp_path).returncode == 0
    done = squall("run", "first.yaml", "--target", demo.url, "--workers", "1", *shorter, cwd=tmp_path)
    assert done.returncode == 0 and "VERDICT: PASS" in done.stdout, done.stdout + done.stderr
    [run] = (tmp_path / "squall-runs" / "runs").iterdir()
    result = json.loads((run / "result.json").read_text())
    assert result["overall"]["requests"] == sum(demo.state.seen.values()) > 0
    assert {"POST /generate", "GET /status/{id}", "GET /gallery"} <= set(result["endpoints"])
    report = squall("report", run.name, "--format", "md", cwd=tmp_path)
    assert report.returncode == 0 and "PASS" in report.stdout
