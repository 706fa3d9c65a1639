"""A LoadTestShape's targets as the phases Squall plans (and draws)."""
from __future__ import annotations

from runner.spec.locust_shape import MAX_PHASES, shape_phases, shape_users_per_second


def test_users_move_toward_each_target_at_its_spawn_rate_and_stretches_become_phases() -> None:
    users = shape_users_per_second([[10, 5.0, 4], [2, 4.0, 3]], limit_s=None)
    assert users == [5, 10, 10, 10, 6, 2, 2]
    assert shape_phases("Steps", users) == [
        {"name": "Steps 1", "duration": "1s", "users": 5}, {"name": "Steps 2", "duration": "3s", "users": 10},
        {"name": "Steps 3", "duration": "1s", "users": 6}, {"name": "Steps 4", "duration": "2s", "users": 2}]


def test_run_time_cuts_the_shape_and_a_busy_shape_is_drawn_in_few_stretches() -> None:
    assert shape_users_per_second([[3, 100.0, 50]], limit_s=5) == [3] * 5
    wavy = shape_users_per_second([[second % 7, 100.0, 1] for second in range(3_000)], limit_s=None)
    phases = shape_phases("Wave", wavy)
    assert len(phases) <= MAX_PHASES and sum(int(p["duration"][:-1]) for p in phases) == 3_000


def test_a_stage_of_no_users_is_a_pause_as_locust_runs_it() -> None:
    """Before: refused with a message about `load.phases[1].users` and `pause: true`, which the
    user's file does not have; Locust runs such a shape (its users stop, the test goes on)."""
    assert shape_phases("Cooldown", [3, 3, 0, 0]) == [
        {"name": "Cooldown 1", "duration": "2s", "users": 3}, {"name": "Cooldown 2", "duration": "2s", "pause": True}]
