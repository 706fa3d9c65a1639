"""validate and plan, called in-process: every profile of a spec checked, every problem said; the
plan's phases, totals, workers and costs, a million requests priced."""
from __future__ import annotations

from argparse import Namespace
from pathlib import Path

import pytest

from runner.cli.running import cmd_plan, cmd_validate
from runner.spec import SpecError

SPEC = """name: shop
target: http://127.0.0.1:9
load: {phases: [{name: warm, duration: 10s, rate: 5/s}, {name: peak, duration: 20s, rate: 20/s}]}
scenarios: [{flow: [{get: /}]}]
profiles: {stress: {load: {phases: [{duration: 1m, rate: 100/s}]}}}
"""


def test_validate_checks_the_spec_and_each_profile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "shop.yaml"
    spec.write_text(SPEC)
    assert cmd_validate(Namespace(spec=str(spec), target=None, data_root=None)) == 0
    out = capsys.readouterr().out
    assert "valid" in out and "stress" in out
    spec.write_text(SPEC.replace("rate: 100/s", "rate: lots"))
    with pytest.raises(SpecError) as raised:
        cmd_validate(Namespace(spec=str(spec), target=None, data_root=None))
    assert any("rate" in p.path for p in raised.value.problems)


def test_plan_shows_phases_totals_and_what_it_costs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "shop.yaml"
    spec.write_text(SPEC)
    args = Namespace(spec=str(spec), target=None, overrides=[], load_profile=None, tags="", exclude_tags="",
                     data_root=None, variables=None, workers=None)
    assert cmd_plan(args) == 0
    out = capsys.readouterr().out
    assert "warm" in out and "peak" in out and "450 arrivals, 450 requests" in out
    assert "cost (aws)" in out and "per million requests at this plan on AWS" in out


def test_plan_shows_what_each_region_sends_with_regions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "shop.yaml"
    spec.write_text(SPEC)
    args = Namespace(spec=str(spec), target=None, overrides=[], load_profile=None, tags="", exclude_tags="",
                     data_root=None, variables=None, workers=None, regions="us-east-1=60,eu-west-1=40")
    assert cmd_plan(args) == 0
    out = capsys.readouterr().out
    assert "us-east-1        60%  peak 12/s, 270 requests, 1 worker" in out
    assert "eu-west-1        40%  peak 8/s, 180 requests, 1 worker" in out
