"""The spec's thresholds, abort rules, aws section and limits as the checker reads them: what a
spec says becomes typed values, and every problem is said at once at its line."""
from __future__ import annotations

import pytest

from runner.spec import SpecError, parse_spec
from runner.spec.threshold_rules import thresholds_from  # noqa: F401  (the module under test)

HEAD = ("name: t\ntarget: http://127.0.0.1:9\n"
        "load: {phases: [{name: warm, duration: 10s, rate: 1/s}, {name: peak, duration: 10s, rate: 5/s}]}\n"
        "scenarios: [{flow: [{get: {url: /a, name: GET /a}}]}]\n")


def spec_with(tail: str):
    return parse_spec(HEAD + tail, "t.yaml")


def test_thresholds_abort_rules_and_phase_windows_are_read() -> None:
    spec = spec_with("thresholds:\n  - p95 < 500ms\n  - {check: error_rate < 1%, endpoint: GET /a, severity: should}\n"
                     "  - {check: p99 < 2s, abort: true, for: 10s, after: 5s}\n  - {check: p95 < 300ms, phase: peak}\n")
    checks = [(t.text, t.endpoint, t.severity, t.window_s) for t in spec.thresholds]
    assert checks == [("p95 < 500ms", None, "must", None), ("error_rate < 1%", "GET /a", "should", None),
                      ("p99 < 2s", None, "must", None), ("p95 < 300ms", None, "must", (10.0, 20.0))]
    [rule] = spec.abort_rules
    assert (rule.threshold.text, rule.for_s, rule.after_s) == ("p99 < 2s", 10.0, 5.0)


def test_every_problem_is_said_at_once_at_its_line() -> None:
    with pytest.raises(SpecError) as raised:
        spec_with("thresholds:\n  - p95 lower than 500ms\n  - {check: p95 < 1s, severity: maybe}\n"
                  "  - {check: p95 < 1s, endpoint: GET /b}\n  - {check: p95 < 1s, phase: cruise}\n"
                  "  - {check: p95 < 1s, for: 10s}\n")
    lines = sorted(p.line for p in raised.value.problems)
    messages = " | ".join(p.message for p in raised.value.problems)
    assert lines == [6, 7, 8, 9, 10]
    assert "cannot read" in messages and "'must' (fails the run) or 'should' (warns)" in messages
    assert "no request is named 'GET /b'" in messages and "no phase named 'cruise' (phases: warm, peak)" in messages
    assert "'for' and 'after' go with 'abort: true'" in messages


def test_the_aws_section_needs_resources_and_the_limits_their_kinds() -> None:
    with pytest.raises(SpecError, match="names no resources"):
        spec_with("aws: {region: eu-west-1}\n")
    assert spec_with("aws: {resources: {lambda: [orders]}}\n").aws is not None
    with pytest.raises(SpecError, match="allowed_hosts: must be a list of host names"):
        spec_with("limits: {allowed_hosts: api.example.com}\n")
