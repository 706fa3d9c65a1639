"""The reports' golden files (tests/golden/): a rendering compared with the file kept, or written
when SQUALL_UPDATE_GOLDEN=1 says the change is accepted."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parents[3] / "golden"


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("SQUALL_UPDATE_GOLDEN") == "1" or not path.exists():
        path.write_text(text, encoding="utf-8")
        if os.environ.get("SQUALL_UPDATE_GOLDEN") != "1":
            pytest.fail(f"{path} did not exist: written; check it and commit it")
    assert text == path.read_text(encoding="utf-8"), f"{name} changed (SQUALL_UPDATE_GOLDEN=1 to accept)"
