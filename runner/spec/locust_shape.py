"""A locustfile's LoadTestShape as the phases Squall plans: the shape's targets (asked ahead of
the run, second by second, by runner.load.locust_check) ramped at their spawn rates as Locust
ramps them, then cut into stretches of one user count each. The plan only draws and prices
them: the workers run the shape itself."""
from __future__ import annotations

from typing import Any

MAX_PHASES = 300  # a long, busy shape is drawn in this many stretches at most


def shape_users_per_second(targets: list[list[Any]], limit_s: int | None) -> list[int]:
    """Users running at the end of each second: Locust moves toward each second's target at its
    spawn rate (up, and down)."""
    users: list[int] = []
    current = 0.0
    for target, rate, seconds in targets:
        for _ in range(int(seconds)):
            if limit_s is not None and len(users) >= limit_s:
                return users
            step = float(rate) if rate and rate > 0 else float("inf")
            current = min(float(target), current + step) if current < target else max(float(target), current - step)
            users.append(int(round(current)))
    return users


def shape_phases(name: str, users: list[int]) -> list[dict[str, Any]]:
    """Spec phases (users phases) for the users of each second: one per stretch of equal users,
    or MAX_PHASES stretches of their mean when there would be more."""
    stretches: list[list[int]] = []
    for count in users:
        if stretches and stretches[-1][0] == count:
            stretches[-1][1] += 1
        else:
            stretches.append([count, 1])
    if len(stretches) > MAX_PHASES:
        size = -(-len(users) // MAX_PHASES)
        stretches = [[round(sum(users[i:i + size]) / len(users[i:i + size])), len(users[i:i + size])]
                     for i in range(0, len(users), size)]
    # a stretch of 0 users is a pause, as Locust runs it (before: refused as `users: 0`)
    return [{"name": f"{name} {index + 1}", "duration": f"{seconds}s", **({"users": count} if count else {"pause": True})}
            for index, (count, seconds) in enumerate(stretches)]
