"""`squall console`: it says where it listens and serves there; a port already taken is exit 3."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.request
from argparse import Namespace
from pathlib import Path

import pytest

from runner.cli.console import cmd_console

ROOT = Path(__file__).resolve().parents[4]


def console(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "runner.cli", "console", *args], cwd=tmp_path, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_it_serves_where_it_says(tmp_path: Path) -> None:
    process = console(tmp_path, "--port", "0")
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("squall console: http://127.0.0.1:") and "local store squall-runs" in line
        page = urllib.request.urlopen(line.split()[2], timeout=10).read().decode()
        assert "0 runs" in page
    finally:
        process.terminate()
        process.wait(10)


def test_a_port_already_taken_is_said(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        process = console(tmp_path, "--port", str(taken.getsockname()[1]))
        _, err = process.communicate(timeout=30)
    assert process.returncode == 3 and "could not run" in err and "address already in use" in err.lower()


def test_the_command_raises_what_main_turns_into_exit_3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError):
            cmd_console(Namespace(on="local", store=str(tmp_path / "squall-runs"), specs=None,
                                  port=taken.getsockname()[1]))
