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
