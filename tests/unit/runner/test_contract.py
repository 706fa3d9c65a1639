"""What the stack and the runner agree on: the schedule expressions EventBridge Scheduler takes, and
a schedule's name (cdk.json's and the console's are checked by the same rules)."""
from __future__ import annotations

import pytest

from runner.contract import SCHEDULE_NAME, is_schedule_expression


@pytest.mark.parametrize("expression", ["rate(1 day)", "rate(15 minutes)", "cron(0 2 * * ? *)",
                                        "cron(0/15 8-18 ? * MON-FRI *)", "at(2026-12-24T08:00:00)"])
def test_eventbridge_expressions_are_taken(expression: str) -> None:
    assert is_schedule_expression(expression)


@pytest.mark.parametrize("expression", ["rate(0 days)", "rate(1 week)", "cron(0 2 * * ?)", "0 2 * * *",
                                        "at(2026-12-24 08:00)", "daily"])
def test_other_expressions_are_not(expression: str) -> None:
    assert not is_schedule_expression(expression)


def test_a_schedule_name_is_1_to_40_letters_digits_dashes_or_underscores() -> None:
    assert SCHEDULE_NAME.match("nightly_smoke-2") and SCHEDULE_NAME.match("x" * 40)
    assert not SCHEDULE_NAME.match("x" * 41) and not SCHEDULE_NAME.match("night ly") and not SCHEDULE_NAME.match("")
