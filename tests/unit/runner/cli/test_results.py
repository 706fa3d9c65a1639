"""The commands on runs already made, called in-process on a store with a history: runs lists and
filters, baseline sets and unsets, compare resolves names and prints JSON with integer counts."""
from __future__ import annotations

import json
from argparse import Namespace
from pathlib import Path

import pytest

from runner.cli.results import cmd_baseline, cmd_compare, cmd_runs
from runner.store import LocalStore
from tests.history_fixture import write_history


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    write_history(LocalStore(tmp_path / "squall-runs"), [1.0, 1.0, 1.6])
    return str(tmp_path / "squall-runs")


def runs_args(store: str, **given: object) -> Namespace:
    return Namespace(**{"on": "local", "store": store, "limit": 20, "spec": None, "load_profile": None,
                        "verdict": None, "backend": None, "tag": None, "since": None, "suites": False, **given})


def test_runs_are_listed_newest_first_and_filtered(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cmd_runs(runs_args(store)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[1:]] == ["checkout-0003", "checkout-0002", "checkout-0001"]
    cmd_runs(runs_args(store, verdict="FAIL"))
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()[1:]] == ["checkout-0003"]
    with pytest.raises(ValueError, match="--since 'soon': write a date"):
        cmd_runs(runs_args(store, since="soon"))


def test_baseline_set_then_unset(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    base = Namespace(on="local", store=store, stack="Squall", region=None, profile=None)
    assert cmd_baseline(Namespace(**vars(base), action="set", run_id="checkout-0001")) == 0
    assert "checkout-0001 is now the baseline of 'checkout'" in capsys.readouterr().out
    assert cmd_baseline(Namespace(**vars(base), action="unset", run_id="checkout")) == 0
    assert "'checkout' has no baseline now (it was checkout-0001)" in capsys.readouterr().out


def test_compare_resolves_names_and_prints_json(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = Namespace(on="local", store=store, stack="Squall", region=None, profile=None, run_a="checkout-0001",
                     run_b="latest", format="json", output=None, spec=None)
    assert cmd_compare(args) == 0
    compared = json.loads(capsys.readouterr().out)
    assert (compared["a"]["run_id"], compared["b"]["run_id"]) == ("checkout-0001", "checkout-0003")
    requests = next(m for m in compared["scopes"][0]["metrics"] if m["metric"] == "requests")
    assert isinstance(requests["a"], int) and "overall p95" in compared["beyond_noise"]
