"""What the CLI shows of an execution on AWS (runner/aws/backend.py)."""
from __future__ import annotations

from typing import Any

from runner.aws.backend import current_state


class Executions:
    """A Step Functions client holding one execution's history, answered as asked or, as moto
    does, whole and oldest first whatever reverseOrder says."""

    def __init__(self, states: list[str], honours_reverse_order: bool) -> None:
        self.events = [{"id": i + 1, "type": "TaskStateEntered", "stateEnteredEventDetails": {"name": name}}
                       for i, name in enumerate(states)]
        self.honours_reverse_order = honours_reverse_order

    def get_execution_history(self, executionArn: str, reverseOrder: bool, maxResults: int) -> dict[str, Any]:
        if self.honours_reverse_order and reverseOrder:
            return {"events": list(reversed(self.events))[:maxResults]}
        return {"events": self.events}

    def list_map_runs(self, executionArn: str) -> dict[str, Any]:
        return {"mapRuns": []}


def test_the_state_shown_is_the_newest_entered_whatever_order_the_history_comes_in() -> None:
    states = ["Plan", "Duplicate?", "Run", "WakeUp", "Monitor"]
    for honours in (True, False):  # AWS, and moto (before: "[Plan]" for a whole rehearsal)
        assert current_state(Executions(states, honours), "arn")[0] == "Monitor"
    assert current_state(Executions([], True), "arn")[0] == "starting"
