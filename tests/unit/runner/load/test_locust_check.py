"""What a locustfile holds, asked without Locust's run: a LoadTestShape's targets second by second
(its clock set to each second; runs of one user count merged), an endless one said so, and a
tick() that needs the running test said with its line."""
from __future__ import annotations

import inspect

from runner.load.locust_check import MAX_SHAPE_S, plan_shape


class Steps:
    """Like a LoadTestShape: 10 users for 3 s, then 20 for 2 s, then the test is over."""

    def tick(self):  # type: ignore[no-untyped-def]
        t = self.get_run_time()  # type: ignore[attr-defined]
        return (10, 5.0) if t < 3 else (20, 5.0) if t < 5 else None


class Forever:
    def tick(self):  # type: ignore[no-untyped-def]
        return (1, 1.0)


class NeedsTheRunner:
    def tick(self):  # type: ignore[no-untyped-def]
        return (self.runner.user_count + 1, 1.0)  # type: ignore[attr-defined]


def test_a_shapes_targets_are_asked_second_by_second() -> None:
    assert plan_shape(Steps(), __file__) == {"shape": "Steps", "targets": [[10, 5.0, 3], [20, 5.0, 2]]}


def test_an_endless_shape_is_said_so() -> None:
    planned = plan_shape(Forever(), __file__)
    assert planned["endless"] is True and planned["targets"] == [[1, 1.0, MAX_SHAPE_S + 1]]


def test_a_tick_that_needs_the_running_test_is_said_with_its_line() -> None:
    planned = plan_shape(NeedsTheRunner(), __file__)
    assert planned["shape_error"].startswith("NeedsTheRunner.tick() at 0 s: AttributeError")
    assert planned["shape_line"] == inspect.getsourcelines(NeedsTheRunner.tick)[1] + 1  # the line that raised
