"""Every emulated test fails on a call AWS would have refused (IAM is enforced by the harness)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.aws_harness import Emulator, synth


@pytest.fixture(autouse=True)
def no_access_denied() -> Iterator[None]:
    for emulator in Emulator.live:
        emulator.denials()  # what an earlier test left is that test's
    yield
    denied = [line for emulator in Emulator.live for line in emulator.denials()]
    if denied:
        pytest.fail("AWS would have refused these calls (IAM, as synthesized):\n  " + "\n  ".join(denied))


@pytest.fixture(scope="module")
def emulator() -> Iterator[tuple[Emulator, str, str]]:
    """moto's server with the synthesized stack deployed: one per test file, so files run side by side."""
    emulator = Emulator()
    machine, bucket = emulator.deploy(synth(allowedHosts=["127.0.0.1"]))
    yield emulator, machine, bucket
    emulator.close()
