"""Squall processes a test starts, and where they listen: each binds port 0 and says which port
it got (a port probed free and then handed to a process could be taken by another test meanwhile,
the suite running four files at once)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def demo_target_process(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str]:
    """`squall demo-target` on a port of its own: the process and its URL."""
    process = subprocess.Popen([sys.executable, "-m", "runner.cli", "demo-target", "--port", "0", *args],
                               stdout=subprocess.PIPE, text=True,
                               env=env or {**os.environ, "PYTHONPATH": str(ROOT)})
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("demo target on "):
        process.kill()
        raise AssertionError(f"the demo target did not start: {line!r}")
    return process, line.split()[3]


def page_origin(process: subprocess.Popen[str]) -> str:
    """Where a `squall run --ui 127.0.0.1:0` (or `watch`) serves its live page, from what it says."""
    assert process.stderr is not None
    while "live page on " not in (line := process.stderr.readline()):
        assert line, "squall ended before its live page started"
    return line.split("live page on ", 1)[1].split()[0].rstrip("/")
