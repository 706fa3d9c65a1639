"""The squall command's one place for exit codes (called in-process): an invalid spec is 2 with
every problem, an unreadable project setting 2, a store that cannot be read 3, never a traceback
unless --debug."""
from __future__ import annotations

from pathlib import Path

import pytest

from runner.cli import main

SPEC = "name: s\ntarget: http://127.0.0.1:9\nload: {phases: [{duration: 5s, rate: 1/s}]}\nscenarios: [{flow: [{get: /}]}]\n"


@pytest.fixture(autouse=True)
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path


def test_a_valid_spec_is_0_and_an_invalid_one_2_with_every_problem(project: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    (project / "ok.yaml").write_text(SPEC)
    assert main(["validate", "ok.yaml"]) == 0
    (project / "bad.yaml").write_text(SPEC.replace("rate: 1/s", "rate: fast").replace("get: /", "got: /"))
    assert main(["validate", "bad.yaml"]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml:3" in err and "bad.yaml:4" in err and "2 problems in the spec; nothing was run" in err
    assert "Traceback" not in err


def test_a_project_setting_that_cannot_be_read_is_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "squall.toml").write_text("workers = [\n")
    assert main(["runs"]) == 2 and "squall.toml" in capsys.readouterr().err


def test_a_store_that_cannot_be_read_is_3(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "squall-runs").write_text("a file where the store should be\n")
    assert main(["report", "nope"]) == 3
    assert "could not run" in capsys.readouterr().err
