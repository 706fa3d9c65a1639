"""A secret in the target URL (its user:password, its path or its query, from `{{ $env.NAME }}`)
reaches the target and no file, report, banner or plan: the URL is kept with its reference and
each worker puts the value in. Before: the value was in spec.json, meta.json, jobs/0.json,
result.json, every report, the run banner and `squall plan`."""
from __future__ import annotations

import base64
import gzip
import os
import subprocess
import sys
from pathlib import Path

from tests.e2e_emulated.test_secrets import Recorder, recorder  # noqa: F401 - the fixture

ROOT = Path(__file__).resolve().parents[2]
PASSWORD, SEGMENT = "pw-91c2-never-written", "seg-5e0b-never-written"
SPEC = """
name: secret-url
target: {{url: "http://user:{{{{ $env.SQ_PASS }}}}@127.0.0.1:{port}/{{{{ $env.SQ_SEG }}}}"}}
load: {{phases: [{{duration: 2s, rate: 3/s}}]}}
scenarios:
  - flow:
      - get: "/items?k={{{{ $env.SQ_PASS }}}}"
"""


def squall(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "runner.cli", *args], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT), "SQ_PASS": PASSWORD,
                                            "SQ_SEG": SEGMENT})


def test_a_secret_in_the_target_url_reaches_the_target_and_nothing_else(recorder: int,  # noqa: F811
                                                                         tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(SPEC.format(port=recorder))
    planned = squall(tmp_path, "plan", "s.yaml")
    run = squall(tmp_path, "run", "s.yaml", "--store", "st", "--workers", "1")
    assert run.returncode == 0, run.stdout + run.stderr
    assert len(Recorder.seen) == 6
    assert all(path == f"/{SEGMENT}/items?k={PASSWORD}" for _, path in Recorder.seen), Recorder.seen
    basic = "Basic " + base64.b64encode(f"user:{PASSWORD}".encode()).decode()  # as curl and k6 send user:password
    assert all(auth == basic for auth, _ in Recorder.seen), Recorder.seen
    [run_dir] = (tmp_path / "st" / "runs").iterdir()
    report = squall(tmp_path, "report", run_dir.name, "--store", "st", "--format", "md")
    artifacts = [p for p in (tmp_path / "st").rglob("*") if p.is_file()]
    assert len(artifacts) > 10
    for path in artifacts:
        content = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        assert PASSWORD.encode() not in content and SEGMENT.encode() not in content, path
    for output in (planned, run, report):
        assert PASSWORD not in output.stdout + output.stderr and SEGMENT not in output.stdout + output.stderr
    assert "{{ $env.SQ_PASS }}@127.0.0.1" in planned.stdout  # the reference is shown, not the value
    assert b"{{ $env.SQ_SEG }}" in (run_dir / "spec.json").read_bytes()
