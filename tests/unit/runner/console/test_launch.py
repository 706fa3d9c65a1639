"""Starting a run from the console is the squall command with options: the profile, the target,
and a duration scale as one --set a phase."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from runner.console.launch import Launch, Launcher, LaunchRefused, command_for, specs_in
from runner.store import LocalStore

SPEC = """name: shop
target: http://127.0.0.1:9
load: {phases: [{name: warm, duration: 20s, rate: 5/s}, {name: peak, duration: 1m, rate: 10/s}]}
scenarios: [{flow: [{get: /}]}]
profiles: {stress: {load: {phases: [{name: hard, duration: 2m, rate: 50/s}]}}}
"""


def test_the_command_is_squall_run_with_the_choices_as_options(tmp_path: Path) -> None:
    spec = tmp_path / "shop.yaml"
    spec.write_text(SPEC)
    command = command_for(Launch(spec, "stress", "http://127.0.0.1:8080", 0.5), tmp_path / "store")
    assert command[:5] == [sys.executable, "-m", "runner.cli", "--quiet", "run"]
    assert command[5:] == [str(spec), "--store", str(tmp_path / "store"), "--load-profile", "stress",
                           "--target", "http://127.0.0.1:8080", "--set", "load.phases.0.duration=60s"]
    plain = command_for(Launch(spec, duration_scale=0.5), tmp_path / "store")
    assert plain[-4:] == ["--set", "load.phases.0.duration=10s", "--set", "load.phases.1.duration=30s"]
    with pytest.raises(LaunchRefused, match="duration scale of 0"):
        command_for(Launch(spec, duration_scale=0), tmp_path)


def test_specs_are_the_yaml_files_that_name_a_target_and_a_load(tmp_path: Path) -> None:
    (tmp_path / "shop.yaml").write_text(SPEC)
    (tmp_path / "nightly").mkdir()
    (tmp_path / "nightly" / "soak.yml").write_text(SPEC.replace("shop", "soak").replace("profiles", "notes"))
    (tmp_path / "docker-compose.yaml").write_text("services: {}\n")
    assert specs_in(tmp_path) == [(tmp_path / "nightly" / "soak.yml", []), (tmp_path / "shop.yaml", ["stress"])]
    assert specs_in(tmp_path / "none") == []


def test_a_run_that_does_not_start_says_why(tmp_path: Path) -> None:
    spec = tmp_path / "broken.yaml"
    spec.write_text(SPEC.replace("rate: 5/s", "rate: fast"))
    launcher = Launcher(LocalStore(tmp_path / "store"), Path(__file__).resolve().parents[4])
    with pytest.raises(LaunchRefused, match=r"broken.yaml:3.*rate"):
        launcher.start(Launch(spec))
