"""The GitHub Actions recipe in docs/reports.md, run as its steps are: its `squall run` line with
the demo target as staging, then its step-summary line; the report folder it uploads holds what
the page says."""
from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import yaml

from tests.e2e.test_cli import write_spec

ROOT = Path(__file__).resolve().parents[2]


def recipe() -> dict:
    page = (ROOT / "docs" / "reports.md").read_text()
    [block] = re.findall(r"## In GitHub Actions\n\n```yaml\n(.*?)```", page, re.S)
    return yaml.safe_load(block)


def test_the_recipe_s_steps_run_and_leave_the_reports_it_uploads(tmp_path: Path, demo_target) -> None:
    demo = demo_target(latency="fixed:2ms")
    steps = recipe()["jobs"]["squall"]["steps"]
    variables = {"STAGING_URL": demo.url, "STAGING_HOST": urlparse(demo.url).hostname}
    (tmp_path / "specs").mkdir()
    write_spec(tmp_path, demo.url, duration="1s").rename(tmp_path / "specs" / "launch.yaml")
    summary = tmp_path / "summary.md"
    env = {**os.environ, "GITHUB_STEP_SUMMARY": str(summary), "PYTHONPATH": str(ROOT)}
    ran = []
    for step in steps:
        command = step.get("run", "")
        if not command or command.startswith("pip install"):
            continue
        for name, value in variables.items():
            command = command.replace(f"${{{{ vars.{name} }}}}", value)
        if command.startswith("squall "):
            argv = [sys.executable, "-m", "runner.cli", *shlex.split(command)[1:], "--workers", "1"]
            done = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        else:
            done = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True,
                                  timeout=60)
        assert done.returncode == 0, (command, done.stdout, done.stderr)
        ran.append(step.get("name", command))
    assert ran == ["Run the load test against staging", "Step summary"]
    uploaded = tmp_path / steps[-1]["with"]["path"]
    assert {"report.md", "report.html", "junit.xml", "result.json"} <= {p.name for p in uploaded.iterdir()}
    assert json.loads((uploaded / "result.json").read_text())["verdict"]["status"] == "PASS"
    assert summary.read_text() == (uploaded / "report.md").read_text()
