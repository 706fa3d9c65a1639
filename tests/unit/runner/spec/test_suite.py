"""Suite files: each test as the suite runs it (its spec, profile, overrides and tags), and every
problem of the file at once, at its line."""
from __future__ import annotations

from pathlib import Path

import pytest

from runner.spec.checker import SpecError
from runner.spec.suite import SuiteTest, is_suite_file, load_suite

SPEC = ("name: api\ntarget: http://127.0.0.1:9\nload: {phases: [{duration: 5s, rate: 1/s}]}\n"
        "scenarios: [{flow: [{get: /}]}]\n")


def test_each_test_as_the_suite_runs_it(tmp_path: Path) -> None:
    (tmp_path / "api.yaml").write_text(SPEC)
    (tmp_path / "health.yaml").write_text(SPEC)
    suite = tmp_path / "gate.yaml"
    suite.write_text("suite: release-gate\ntests:\n  - health.yaml\n  - {spec: api.yaml, load_profile: stress}\n"
                     "  - {spec: api.yaml, set: [load.phases.0.duration=30s], tags: [smoke, api], name: api smoke}\n")
    assert is_suite_file(suite) and not is_suite_file(tmp_path / "api.yaml")
    name, tests = load_suite(suite)
    assert name == "release-gate"
    assert tests == [SuiteTest("health", tmp_path / "health.yaml"),
                     SuiteTest("api (stress)", tmp_path / "api.yaml", "stress"),
                     SuiteTest("api smoke", tmp_path / "api.yaml", None, ("load.phases.0.duration=30s",), "smoke,api")]


def test_every_problem_is_said_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "api.yaml").write_text(SPEC)
    suite = tmp_path / "gate.yaml"
    suite.write_text("suite: gate\ntests:\n  - missing.yaml\n  - {spec: api.yaml, set: not-a-list}\n"
                     "  - {spec: api.yaml, speed: fast}\n")
    with pytest.raises(SpecError) as raised:
        load_suite(suite)
    said = [(p.line, p.message) for p in raised.value.problems]
    assert [line for line, _ in said] == [3, 4, 5]
    assert "no such spec file" in said[0][1] and "PATH=VALUE" in said[1][1] and "did you mean 'spec'" in said[2][1]


def test_a_suite_needs_tests(tmp_path: Path) -> None:
    suite = tmp_path / "empty.yaml"
    suite.write_text("suite: empty\ntests: []\n")
    with pytest.raises(SpecError, match="non-empty list of specs"):
        load_suite(suite)
