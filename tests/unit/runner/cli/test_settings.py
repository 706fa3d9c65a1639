"""The CLI's defaults: squall.toml, then [tool.squall] in pyproject.toml, then SQUALL_* variables
(the command line over all); found from the current folder upwards, so a project has one store."""
from __future__ import annotations

from pathlib import Path

import pytest

from runner.cli.settings import SettingsError, defaults


def test_project_defaults_come_from_squall_toml_then_pyproject_and_env_wins(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.squall]\nstore = "from-pyproject"\nregion = "eu-west-1"\n')
    assert defaults(tmp_path, {}) == {"store": "from-pyproject", "region": "eu-west-1"}
    (tmp_path / "squall.toml").write_text('store = "from-squall-toml"\nworkers = 3\n')
    assert defaults(tmp_path, {}) == {"store": "from-squall-toml", "workers": 3}
    assert defaults(tmp_path, {"SQUALL_WORKERS": "8", "SQUALL_STACK": "Squall-staging"}) == \
        {"store": "from-squall-toml", "workers": 8, "stack": "Squall-staging"}


def test_the_store_is_the_projects_whatever_subfolder_a_command_runs_in(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "specs" / "nightly").mkdir(parents=True)
    assert defaults(tmp_path / "specs" / "nightly", {})["store"] == str(tmp_path / "squall-runs")
    assert defaults(tmp_path, {})["store"] == "squall-runs"
    (tmp_path / "specs" / "squall.toml").write_text('store = "../results"\n')  # squall.toml's folder is the project
    assert defaults(tmp_path / "specs" / "nightly", {})["store"] == str(tmp_path / "results")
    assert defaults(tmp_path / "specs" / "nightly", {"SQUALL_STORE": "here"})["store"] == "here"


@pytest.mark.parametrize("content, env, message", [
    ('stor = "x"\n', {}, "unknown setting stor"),
    ("", {"SQUALL_WORKERS": "many"}, "SQUALL_WORKERS: workers must be a whole number, got 'many'"),
])
def test_bad_settings_are_named(tmp_path: Path, content: str, env: dict[str, str], message: str) -> None:
    (tmp_path / "squall.toml").write_text(content or 'store = "x"\n')
    with pytest.raises(SettingsError, match=message):
        defaults(tmp_path, env)
