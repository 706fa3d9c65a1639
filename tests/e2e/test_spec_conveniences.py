"""Squall's own command line where it fell short of what its users expect: suites everywhere,
report files on every run, HTTP/2 said plainly, an environment-driven target."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.test_cli import squall, write_spec

SUITE = """suite: nightly
tests:
  - e2e.yaml
  - {spec: e2e.yaml, name: smoke, tags: [smoke, api], set: [load.phases.0.duration=1s]}
"""


def test_validate_and_plan_take_a_suite_file(tmp_path: Path) -> None:
    """Before: 'suite: unknown key' from both."""
    write_spec(tmp_path, "http://127.0.0.1:9")
    (tmp_path / "suite.yaml").write_text(SUITE)
    validated = squall("validate", "suite.yaml", cwd=tmp_path)
    assert validated.returncode == 0, validated.stderr
    assert "suite nightly: e2e: valid" in validated.stdout and "suite nightly: smoke: valid" in validated.stdout
    planned = squall("plan", "suite.yaml", cwd=tmp_path)
    assert planned.returncode == 0, planned.stderr
    assert "test 1 of 2: e2e" in planned.stdout and "test 2 of 2: smoke" in planned.stdout


def test_every_run_writes_the_report_files_it_is_asked_for(tmp_path: Path, demo_target) -> None:
    """Before: --html and --csv with a YAML spec were ignored without a word (exit 0, no files)."""
    demo = demo_target(latency="fixed:2ms")
    done = squall("run", str(write_spec(tmp_path, demo.url, duration="1s")), "--store", "s", "--workers", "1",
                  "--csv", "out", "--html", "out.html", "--junit", "out.xml", "--report-dir", "reports", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out_stats.csv").read_text().startswith("Type,Name,Request Count")
    assert "<html" in (tmp_path / "out.html").read_text()[:200].lower()
    assert "<testsuite" in (tmp_path / "out.xml").read_text()
    assert json.loads((tmp_path / "reports" / "result.json").read_text())["verdict"]["status"] == "PASS"
    assert {"report.html", "report.md", "stats.csv", "junit.xml", "report.txt"} <= \
        {p.name for p in (tmp_path / "reports").iterdir()}


def test_http2_on_an_engine_that_cannot_speak_it_is_refused(tmp_path: Path) -> None:
    """Before: `target.http2: true` sent HTTP/1.1 on the default engine without a word."""
    spec = write_spec(tmp_path, "http://127.0.0.1:9")
    spec.write_text(spec.read_text().replace('timeout: 5s}', 'timeout: 5s, http2: true}'))
    done = squall("run", str(spec), "--store", "s", cwd=tmp_path)
    assert done.returncode == 2 and "target.http2: true needs --engine httpx" in done.stderr


def test_the_target_url_may_come_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: `{{ $env.X }}` was refused in target.url, and validate had no --target."""
    spec = write_spec(tmp_path, "{{ $env.SQUALL_TEST_TARGET }}")
    missing = squall("validate", str(spec), cwd=tmp_path)
    assert missing.returncode == 2 and "uses $env.SQUALL_TEST_TARGET, which is not set" in missing.stderr
    monkeypatch.setenv("SQUALL_TEST_TARGET", "http://127.0.0.1:9")
    assert squall("validate", str(spec), cwd=tmp_path).returncode == 0
    monkeypatch.delenv("SQUALL_TEST_TARGET")
    assert squall("validate", str(spec), "--target", "http://127.0.0.1:9", cwd=tmp_path).returncode == 0


def test_a_phase_of_iterations_needs_no_duration_and_ends_when_they_are_done(tmp_path: Path, demo_target) -> None:
    """`hey -n 40 -c 4`: 4 users, 40 scenario runs in all. Before: refused for a missing duration."""
    demo = demo_target(latency="fixed:2ms")
    spec = tmp_path / "hey.yaml"
    spec.write_text(f"name: hey\ntarget: {demo.url}\nload: {{phases: [{{users: 4, iterations: 40}}]}}\n"
                    f"scenarios: [{{flow: [{{get: /health}}]}}]\n")
    done = squall("run", str(spec), "--store", "s", "--workers", "1", cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert sum(demo.state.seen.values()) == 40
    # announced and planned by what bounds it (before: "1h00m", five AWS slices and $0.14, as if it ran an hour)
    assert "hey, up to 1h00m against" in done.stderr
    planned = squall("plan", str(spec), cwd=tmp_path)
    assert "hey: up to 1h00m" in planned.stdout and "4 users, 40 iterations in all" in planned.stdout
    assert "time slices   up to 5 on AWS" in planned.stdout and "cost (aws) at most $" in planned.stdout
