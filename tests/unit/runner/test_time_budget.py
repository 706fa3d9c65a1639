"""The Lambda time budget: start margin + slice + drain + final flush + slack <= 900 s, and a
worker's deadline derived from the slice's start instant, never from its invocation."""
from __future__ import annotations

import pytest

from runner.plan import FINAL_FLUSH_S, SLACK_S, PlanError, WorkerBudget, make_plan, slice_max_s
from runner.spec import parse_spec

INVOKED = 1_000_000.0  # the worker's invocation, epoch seconds
LAMBDA_END = INVOKED + 900.0


def test_a_full_default_slice_fits_its_invocation_with_drain_and_flush() -> None:
    """The defect this replaces: a deadline of invocation + 840 s cut every full slice's last
    ~15 s, because load runs from start_at (invocation + 15 s) to start_at + 840 s."""
    start_at = INVOKED + 15.0
    budget = WorkerBudget.for_slice(start_at, 840.0, drain_s=10.0, lambda_end_epoch_s=LAMBDA_END)
    assert budget.send_until_epoch_s == start_at + 840.0 and not budget.cut_short
    assert budget.drain_until_epoch_s == start_at + 850.0
    assert budget.drain_until_epoch_s + FINAL_FLUSH_S + SLACK_S <= LAMBDA_END


def test_a_worker_invoked_late_still_sends_until_the_planned_end() -> None:
    start_at = INVOKED - 30.0  # the Map started this worker 30 s after the slice's start instant
    budget = WorkerBudget.for_slice(start_at, 840.0, drain_s=10.0, lambda_end_epoch_s=LAMBDA_END)
    assert budget.send_until_epoch_s == start_at + 840.0 and not budget.cut_short


def test_a_slice_that_cannot_fit_is_cut_short_before_drain_and_flush_run_out() -> None:
    start_at = INVOKED + 15.0
    budget = WorkerBudget.for_slice(start_at, 880.0, drain_s=30.0, lambda_end_epoch_s=LAMBDA_END)
    assert budget.cut_short
    assert budget.send_until_epoch_s == LAMBDA_END - 30.0 - FINAL_FLUSH_S - SLACK_S
    assert budget.drain_until_epoch_s == LAMBDA_END - FINAL_FLUSH_S - SLACK_S


def test_the_longest_slice_leaves_room_for_margin_drain_flush_and_slack() -> None:
    assert slice_max_s(15.0, 10.0) == 900 - 15 - 10 - FINAL_FLUSH_S - SLACK_S
    assert slice_max_s(15.0, 60.0) == 810.0


SPEC = """
target: http://127.0.0.1:1
load: {phases: [{duration: 30m, rate: 1/s}]}
limits: {drain: %s}
scenarios: [{flow: [{get: /}]}]
"""


def test_the_default_slice_shrinks_when_the_drain_needs_the_room() -> None:
    assert make_plan(parse_spec(SPEC % "10s", "t.yaml"), "r", 1).slices[0].duration_s == 840.0
    plan = make_plan(parse_spec(SPEC % "60s", "t.yaml"), "r", 1)
    assert [s.duration_s for s in plan.slices] == [810.0, 810.0, 180.0]


def test_a_slice_longer_than_the_budget_is_refused_with_the_arithmetic() -> None:
    with pytest.raises(PlanError, match=r"between 0 and 810 s: .*limits.drain \(60 s\)"):
        make_plan(parse_spec(SPEC % "60s", "t.yaml"), "r", 1, slice_s=840.0)
