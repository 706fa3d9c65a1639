"""A spec document built into typed values: the default threshold, phases of each kind, the
spec's own limits held against its phases, and every problem of the document at once."""
from __future__ import annotations

import pytest

from runner.spec import SpecError
from runner.spec.validate import DEFAULT_THRESHOLD, build_spec
from runner.spec.yamlsource import load_yaml

HEAD = "name: v\ntarget: http://127.0.0.1:9\nscenarios: [{flow: [{get: /}]}]\n"


def built(text: str):
    return build_spec(load_yaml(text, "v.yaml"), base_dir=None)


def test_phases_of_each_kind_and_the_default_threshold() -> None:
    spec = built(HEAD + "load:\n  phases:\n    - {name: warm, duration: 10s, rate: 5/s, ramp_to: 20/s}\n"
                        "    - {name: hold, duration: 1m, users: 50, spawn_rate: 5/s}\n    - {duration: 5s, pause: true}\n")
    assert [(p.name, p.kind, p.duration_s, p.start, p.end) for p in spec.phases] == [
        ("warm", "rate", 10.0, 5.0, 20.0), ("hold", "users", 60.0, 50.0, 50.0), ("phase-3", "pause", 5.0, 0.0, 0.0)]
    assert spec.phases[1].spawn_rate_per_s == 5.0
    assert [t.text for t in spec.thresholds] == [DEFAULT_THRESHOLD]


def test_the_specs_own_limits_hold_for_its_phases() -> None:
    with pytest.raises(SpecError, match=r"limits.max_duration: the phases last 2m, over 1m"):
        built(HEAD + "load: {phases: [{duration: 2m, rate: 1/s}]}\nlimits: {max_duration: 1m}\n")


def test_every_problem_of_the_document_is_said_at_once() -> None:
    with pytest.raises(SpecError) as raised:
        built("name: v\ntarget: {url: ftp://x, colour: blue}\nload: {phases: [{duration: -1s, rate: 5/s}]}\n"
              "scenarios: [{flow: [{get: /}]}]\nextra: 1\n")
    paths = sorted(p.path for p in raised.value.problems)
    assert "extra" in paths and "target.colour" in paths and "target.url" in paths
    assert any(p.startswith("load.phases[0]") for p in paths)
