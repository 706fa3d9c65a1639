"""Every emulated test fails on a call AWS would have refused (IAM is enforced by the harness)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.aws_harness import Emulator


@pytest.fixture(autouse=True)
def no_access_denied() -> Iterator[None]:
    for emulator in Emulator.live:
        emulator.denials()  # what an earlier test left is that test's
    yield
    denied = [line for emulator in Emulator.live for line in emulator.denials()]
    if denied:
        pytest.fail("AWS would have refused these calls (IAM, as synthesized):\n  " + "\n  ".join(denied))
