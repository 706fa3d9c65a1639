"""Loops (a count, a list, a status poll) and body checks, on the virtual clock."""
from __future__ import annotations

import pytest

from runner.spec import SpecError, parse_spec
from tests.unit.runner.load.test_generator import ok, run

POLL = """
target: http://127.0.0.1:1
load: {phases: [{duration: 1s, rate: 1/s}]}
scenarios:
  - flow:
      - post: {url: /generate, json: {}, capture: [{json: $.jobId, as: job}]}
      - loop:
          count: 10
          until: {state: done}
          flow:
            - get: {url: "/status/{{ job }}", name: status, capture: [{json: $.status, as: state}]}
            - think: 1s
      - loop:
          over: [s, m, l]
          as: size
          flow: [{get: {url: "/thumb/{{ job }}?size={{ size }}", name: thumb, expect: {json: {$.ok: true}}}}]
"""


def test_a_status_poll_stops_when_the_captured_value_says_done_and_a_list_is_gone_over() -> None:
    polls = []

    def script(method: str, url: str, body: bytes | None):
        if url.endswith("/generate"):
            return ok({"jobId": "j1"}, status=202)
        if "/status/" in url:
            polls.append(url)
            return ok({"status": "done" if len(polls) == 3 else "running"})
        return ok({"ok": True})
    run_, engine, _ = run(POLL, script)
    assert len(polls) == 3  # running, running, done: then the loop ends (not 10)
    assert [u.split("/")[-1] for _, _, u in engine.sent if "/thumb/" in u] == ["j1?size=s", "j1?size=m", "j1?size=l"]
    assert run_.scenarios["scenario-1"].completed == 1 and run_.overall.error_count == 0


def test_a_loop_with_a_count_and_no_until_runs_count_times() -> None:
    spec = POLL.replace("          until: {state: done}\n", "")
    _, engine, _ = run(spec, lambda m, u, b: ok({"jobId": "j1", "status": "running", "ok": True}))
    assert sum(1 for _, _, u in engine.sent if "/status/" in u) == 10


@pytest.mark.parametrize("expect, body, held", [
    ("{json: {$.cached: true}}", {"cached": True}, True),
    ("{json: {$.cached: true}}", {"cached": False}, False),
    ("{has: ['$.items[0].id']}", {"items": [{"id": 1}]}, True),
    ("{has: ['$.items[0].id']}", {"items": []}, False),
    ("{status: 200, content_type: application/json}", {}, True),
    ("{header: {X-Cache: HIT}}", {}, False),
])
def test_a_body_check_that_fails_is_an_expectation_error(expect: str, body: object, held: bool) -> None:
    spec = f"""
target: http://127.0.0.1:1
load: {{phases: [{{duration: 1s, rate: 2/s}}]}}
scenarios: [{{flow: [{{get: {{url: /analyze, name: analyze, expect: {expect}}}}}]}}]
"""

    def script(method: str, url: str, b: bytes | None):
        delay_s, reply = ok(body)
        reply.headers = [("content-type", "application/json; charset=utf-8"), ("x-cache", "MISS")]
        return delay_s, reply
    run_, _, _ = run(spec, script)
    errors = run_.endpoints["analyze"].errors
    assert errors == ({} if held else {"expectation": 2})


@pytest.mark.parametrize("loop, problem", [
    ("{flow: [{get: /a}]}", "needs 'count' (how many times, at most with 'until') or 'over' (a list)"),
    ("{count: 3, until: {nope: done}, flow: [{get: /a}]}", "'nope' is never captured"),
    ("{over: 3, flow: [{get: /a}]}", "must be a list of values to go over"),
])
def test_loop_mistakes_are_spec_problems(loop: str, problem: str) -> None:
    text = ("target: http://127.0.0.1:1\nload: {phases: [{duration: 1s, rate: 1}]}\n"
            f"scenarios: [{{flow: [{{loop: {loop}}}]}}]\n")
    with pytest.raises(SpecError) as caught:
        parse_spec(text, "t.yaml")
    assert any(problem in str(p) for p in caught.value.problems), caught.value.problems


def test_a_phase_threshold_is_judged_over_that_phase_s_seconds_only() -> None:
    """Seed 002: error rate < 15 % during the spike, < 5 % otherwise."""
    from analysis.verdict import HealthLimits, judge
    spec_text = """
target: http://127.0.0.1:1
load: {phases: [{name: steady, duration: 2s, rate: 10/s}, {name: spike, duration: 2s, rate: 10/s}]}
scenarios: [{flow: [{get: /a}]}]
thresholds:
  - {check: error_rate < 5%, phase: steady}
  - {check: error_rate < 15%, phase: spike}
  - {check: error_rate < 5%, phase: spike}
"""
    sent = []

    def script(method: str, url: str, body: bytes | None):
        sent.append(url)
        spiking = len(sent) > 20
        return ok(status=503 if spiking and len(sent) % 10 == 0 else 200)
    run_, _, _ = run(spec_text, script)
    spec = parse_spec(spec_text, "t.yaml")
    outcomes = judge(run_, spec.thresholds, 4.0, HealthLimits(), 1).outcomes
    assert [(o.threshold.label, round(o.measured or 0, 3), o.status) for o in outcomes] == [
        ("error_rate < 5% during steady", 0.0, "PASS"), ("error_rate < 15% during spike", 0.1, "PASS"),
        ("error_rate < 5% during spike", 0.1, "FAIL")]


def test_a_phase_threshold_names_a_phase_that_exists() -> None:
    with pytest.raises(SpecError, match="no phase named 'spke' \\(phases: phase-1\\)"):
        parse_spec("target: http://127.0.0.1:1\nload: {phases: [{duration: 1s, rate: 1}]}\n"
                   "scenarios: [{flow: [{get: /}]}]\nthresholds: [{check: p95 < 1s, phase: spke}]\n", "t.yaml")
