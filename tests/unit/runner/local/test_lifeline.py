"""A worker's tie to its squall process: cut when the parent is gone or when it was signalled,
with the reason its final shard carries; the same signal twice within a second is one stop."""
from __future__ import annotations

import os
import signal

from runner.local.lifeline import Lifeline


def test_a_worker_whose_parent_lives_and_that_was_not_signalled_goes_on() -> None:
    assert Lifeline(os.getppid()).cut() is None


def test_a_worker_whose_parent_is_another_process_is_cut() -> None:
    other = os.getppid() + 1  # not this process's parent: as after the parent died and it was reparented
    assert Lifeline(other).cut() == (f"the squall process that ran it (pid {other}) ended without stopping the run "
                                     f"(killed?)")


def test_a_signal_is_the_reason_and_the_same_stop_twice_is_not_a_kill() -> None:
    lifeline = Lifeline(os.getppid())
    lifeline._on_signal(signal.SIGTERM, None)
    lifeline._on_signal(signal.SIGTERM, None)  # forwarded by the parent too, at once: still one graceful stop
    assert lifeline.cut() == "it was sent SIGTERM" and lifeline.signalled == signal.SIGTERM
