"""Several runs on one stack: what Plan counts of the runs going on beside the one it plans. A run
counts those that started before it (from their plans, or the concurrency their Plan claims while it
is under way) and is counted by those that start after it."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from runner.aws.concurrency import CLAIM_WAIT_S, check_concurrency_headroom, runs_going_on
from runner.store import LocalStore, claim_key, run_prefix

MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:Squall-Run"


class Executions:
    """Step Functions' answers about the state machine's running executions (name -> start second)."""

    def __init__(self, started: dict[str, int]) -> None:
        self.started = started

    def get_paginator(self, operation: str) -> Any:
        assert operation == "list_executions"
        executions = [{"name": name, "executionArn": f"{MACHINE}:{name}",
                       "startDate": datetime.fromtimestamp(1_800_000_000 + second, UTC)}
                      for name, second in self.started.items()]
        return type("Pages", (), {"paginate": lambda _self, **kwargs: [{"executions": executions}]})()

    def describe_execution(self, executionArn: str) -> dict[str, Any]:  # noqa: N803 - boto3's name
        return {"input": json.dumps({"run_id": executionArn.rsplit(":", 1)[1]})}


class Quota:
    def __init__(self, unreserved: int) -> None:
        self.unreserved = unreserved

    def get_account_settings(self) -> dict[str, Any]:
        return {"AccountLimit": {"ConcurrentExecutions": self.unreserved, "UnreservedConcurrentExecutions": self.unreserved}}


def planned(store: LocalStore, run_id: str, workers: int, slices: int) -> None:
    store.put_json(run_prefix(run_id) + "plan.json", {"workers": workers, "slices": [{}] * slices})


def test_a_run_planned_at_1000_workers_over_two_slices_holds_2000_at_its_hand_over(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    planned(store, "wide", 1000, 2)
    planned(store, "later", 5, 1)
    others = runs_going_on(Executions({"wide": 0, "mine": 5, "later": 9}), MACHINE, "mine", store, sleep=lambda s: None)
    assert others == [("wide", 2000)]  # the later run counts this one, not the other way round
    refused = check_concurrency_headroom(Quota(2000), workers=40, others=others)
    assert refused is not None and "1 other run going on holds 2000 (wide)" in refused
    assert check_concurrency_headroom(Quota(2100), workers=40, others=others) is None  # 2,000 + 40 + 3 + 3


def test_an_earlier_run_whose_plan_is_under_way_counts_by_its_claim(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    store.put_json(claim_key("first"), {"workers_at_once": 300})
    assert runs_going_on(Executions({"first": 0, "mine": 0}), MACHINE, "mine", store) == [("first", 300)]


def test_two_plans_at_the_same_instant_do_not_both_miss_each_other(tmp_path: Path) -> None:
    """Both started in the same second: the one whose name sorts first goes first; the other waits
    for its claim (written while it checks) instead of counting it as 0 workers. Before, each saw
    the other with no plan yet and both went ahead."""
    store = LocalStore(tmp_path)
    executions = Executions({"a-run": 0, "b-run": 0})
    waited: list[float] = []

    def sleep(seconds: float) -> None:
        waited.append(seconds)
        if len(waited) == 3:  # a's Plan reaches its check a second and a half later
            store.put_json(claim_key("a-run"), {"workers_at_once": 800})

    assert runs_going_on(executions, MACHINE, "b-run", store, sleep=sleep) == [("a-run", 800)]
    assert sum(waited) == 1.5
    assert runs_going_on(executions, MACHINE, "a-run", store, sleep=sleep) == []  # a does not wait for b


def test_an_earlier_run_that_never_claims_is_counted_as_none_after_the_wait(tmp_path: Path) -> None:
    waited: list[float] = []
    found = runs_going_on(Executions({"stuck": 0, "mine": 1}), MACHINE, "mine", LocalStore(tmp_path),
                          sleep=waited.append)
    assert found == [("stuck", 0)] and sum(waited) == CLAIM_WAIT_S


def test_the_wait_for_earlier_claims_is_one_budget_however_many_runs_never_claim(tmp_path: Path) -> None:
    """Plan has 2 minutes: five earlier runs that never claim (their Plans failed) must not cost it
    5 x 20 s. Before, each was awaited for CLAIM_WAIT_S of its own."""
    waited: list[float] = []
    found = runs_going_on(Executions({f"stuck-{i}": 0 for i in range(5)} | {"mine": 1}), MACHINE, "mine",
                          LocalStore(tmp_path), sleep=waited.append)
    assert [workers for _, workers in found] == [0] * 5 and sum(waited) == CLAIM_WAIT_S


def test_a_refused_plan_gives_its_claim_back_so_later_runs_do_not_wait_for_it(tmp_path: Path) -> None:
    """Refused for an invalid spec (before it could claim anything) or for the account's
    concurrency (after claiming): either way its claim says 0 workers, at once."""
    import pytest

    from runner.aws.pipeline import PlanRejected, plan_run
    from runner.guardrails import Guardrails
    store = LocalStore(tmp_path)
    for run_id, spec, quota in (("invalid", {"target": "http://127.0.0.1:1"}, 1000),
                                ("too-wide", {"target": "http://127.0.0.1:1", "load": {"phases": [
                                    {"duration": "10s", "rate": "10/s"}]}, "scenarios": [{"flow": [{"get": "/"}]}]},
                                 2)):
        with pytest.raises(PlanRejected):
            plan_run({"input": {"run_id": run_id, "spec": spec}, "execution_name": run_id}, store, "bucket",
                     Guardrails(("127.0.0.1",), max_workers=10, max_duration_s=3600), 1_800_000_000.0,
                     lambda_client=Quota(quota))
        assert store.get_json(claim_key(run_id))["workers_at_once"] == 0
    waited: list[float] = []
    assert runs_going_on(Executions({"invalid": 0, "too-wide": 0, "mine": 1}), MACHINE, "mine", store,
                         sleep=waited.append) == [("invalid", 0), ("too-wide", 0)] and waited == []
