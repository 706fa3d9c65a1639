"""Locust's own settings below the command line, in Locust's precedence: ./locust.conf, then
[tool.locust] in ./pyproject.toml, then the --config file, then LOCUST_* variables (later wins).
(Running a locustfile itself needs Locust in a process of its own: tests/e2e covers it.)"""
from __future__ import annotations

from pathlib import Path

import pytest

from runner.spec import SpecError
from runner.spec.locustfile import locust_settings


def test_later_sources_win_as_in_locust(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no ~/.locust.conf of the machine's
    (tmp_path / "locust.conf").write_text("users = 10\nspawn-rate = 2\nhost = http://127.0.0.1:9\n")
    (tmp_path / "pyproject.toml").write_text('[tool.locust]\nusers = 20\ntags = ["smoke", "api"]\n')
    (tmp_path / "ci.conf").write_text("run_time = 1m\n")
    found = locust_settings(tmp_path, {"LOCUST_USERS": "30", "PATH": "/bin"}, str(tmp_path / "ci.conf"))
    assert found == {"users": "30", "spawn-rate": "2", "host": "http://127.0.0.1:9", "tags": "smoke api",
                     "run-time": "1m"}


def test_a_config_file_that_is_not_there_or_bad_toml_is_said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    with pytest.raises(SpecError, match="--config: no such file"):
        locust_settings(tmp_path, {}, str(tmp_path / "missing.conf"))
    (tmp_path / "pyproject.toml").write_text("[tool.locust\n")
    with pytest.raises(SpecError, match="not valid TOML"):
        locust_settings(tmp_path, {})
