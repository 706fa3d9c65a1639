"""The plan: workers sized from the rate ceiling, long runs cut into slices, the target rate
timeline, arrivals carried across phases, limits.max_rate held second by second."""
from __future__ import annotations

import math

import pytest

from runner.pacing import worker_arrival_offsets
from runner.plan import PlanError, RunPlan, make_plan, target_rate_per_second
from runner.spec import parse_spec

SPEC = """
target: http://127.0.0.1:1
load:
  phases:
    - {name: up, duration: 10s, rate: 1/s, ramp_to: 7001/s}
    - {name: hold, duration: 20m, rate: 7001/s}
    - {name: rest, duration: 1m, pause: true}
    - {name: users, duration: 1m, users: 2500}
scenarios:
  - {weight: 3, flow: [{get: /a}]}
  - {weight: 1, flow: [{get: /a}, {get: /b}]}
"""


def test_the_plan_sizes_workers_from_the_rate_ceiling_and_slices_long_runs() -> None:
    plan = make_plan(parse_spec(SPEC, "p.yaml"), "r", 1)
    assert plan.workers == 3  # 7001/s over 3,750/s per worker; 2,500 users over 1,000 per worker
    assert [p.expected_arrivals for p in plan.phases] == [35_010, 8_401_200, 0, 0]
    assert plan.phases[1].expected_requests == pytest.approx(8_401_200 * 1.25)
    assert plan.duration_s == 10 + 1200 + 60 + 60
    assert len(plan.slices) == 2 and plan.slices[1].offset_s == 840
    assert plan.worker_users(plan.phases[3], 0) == (834, 834)
    assert sum(plan.worker_users(plan.phases[3], w)[0] for w in range(3)) == 2500


def test_the_plan_refuses_more_workers_than_the_limit() -> None:
    spec = parse_spec(SPEC + "limits: {max_workers: 2}\n", "p.yaml")
    with pytest.raises(PlanError, match="needs 3 workers but limits.max_workers is 2"):
        make_plan(spec, "r", 1)


def test_the_target_rate_timeline_follows_the_phases() -> None:
    spec = parse_spec("""
target: http://h
load: {phases: [{duration: 2s, rate: 10}, {duration: 2s, rate: 10, ramp_to: 30}, {duration: 1s, pause: true}]}
scenarios: [{flow: [{get: /}]}]
""", "t.yaml")
    assert target_rate_per_second(make_plan(spec, "r", 1)) == [10, 10, 15, 25, 0]


def test_the_planned_users_each_second_follow_a_closed_ramp_and_are_0_in_open_phases() -> None:
    from runner.plan import planned_users_per_second
    spec = parse_spec("""
target: http://127.0.0.1:1
load: {phases: [{duration: 4s, users: 0, ramp_to: 4}, {duration: 2s, users: 3}, {duration: 2s, rate: 5/s}]}
scenarios: [{flow: [{get: /}]}]
""", "t.yaml")
    assert planned_users_per_second(make_plan(spec, "r", 1, workers=2)) == [1, 2, 3, 4, 3, 3, 0, 0]


def phases_spec(phases: str, limits: str = "") -> str:
    return (f"target: http://127.0.0.1:1\nload: {{phases: [{phases}]}}\nscenarios: [{{flow: [{{get: /}}]}}]\n"
            + (f"limits: {{{limits}}}\n" if limits else ""))


@pytest.mark.parametrize("case, phases, arrivals", [
    # before: each phase rounded up on its own, and its first arrival fell at its start
    ("200 phases of 10 ms at 1/s last 2 s", ", ".join(["{duration: 10ms, rate: 1/s}"] * 200), 2),
    ("60 one-second phases at 0.1/s are one 60 s phase", ", ".join(["{duration: 1s, rate: 0.1/s}"] * 60), 6),
    ("whole phases keep their counts", "{duration: 2s, rate: 10/s}, {duration: 3s, rate: 10/s, ramp_to: 30/s}", 80),
])
def test_fractional_arrivals_carry_across_phases(case: str, phases: str, arrivals: int) -> None:
    plan = make_plan(parse_spec(phases_spec(phases), "p.yaml"), "r", 1, workers=3)
    assert sum(p.expected_arrivals for p in plan.phases) == arrivals, case
    sent = [offset for p in plan.phases if p.kind == "rate" for w in range(3) for offset in worker_arrival_offsets(
        p.start, p.end, p.duration_s, w, 3, before=p.arrivals_before)]
    assert len(sent) == arrivals, case


def arrivals_per_second(plan: RunPlan) -> list[int]:
    """The plan's arrivals in each whole second: the run's arrival J falls where the expected count reaches J."""
    def expected_by(t: float) -> float:
        total = 0.0
        for phase in plan.phases:
            if phase.kind == "rate" and t > phase.offset_s:
                x = min(t - phase.offset_s, phase.duration_s)
                total = phase.arrivals_before + phase.start * x + (phase.end - phase.start) * x * x / (2 * phase.duration_s)
        return total
    whole = [math.ceil(expected_by(float(k)) - 1e-9) for k in range(int(plan.duration_s + 0.999) + 1)]
    return [whole[k + 1] - whole[k] for k in range(len(whole) - 1)]


@pytest.mark.parametrize("phases", [
    ", ".join(["{duration: 10ms, rate: 1/s}"] * 200),
    "{duration: 1s, rate: 1/s}, {duration: 10ms, rate: 1/s}, {duration: 990ms, rate: 1/s}",
    ", ".join(["{duration: 300ms, rate: 3/s}"] * 10),
])
def test_limits_max_rate_holds_second_by_second_however_the_phases_are_cut(phases: str) -> None:
    """limits.max_rate is checked on the phases' peak rate; with arrivals carried across phases no
    second of the plan can hold more than that many arrivals (before: 200 in 2 s at 'max_rate: 1/s')."""
    spec = parse_spec(phases_spec(phases, "max_rate: 3/s"), "p.yaml")
    plan = make_plan(spec, "r", 1)
    assert max(arrivals_per_second(plan)) <= math.ceil(plan.peak_rate_per_s)
