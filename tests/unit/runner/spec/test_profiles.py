"""Profiles: one spec, its variants picked by name, nothing repeated."""
from __future__ import annotations

from pathlib import Path

import pytest

from runner.spec import SpecError, load_spec, parse_spec

SPEC = """name: api
target: http://127.0.0.1:9
load: {phases: [{name: standard, duration: 5m, users: 50, spawn_rate: 5/s}]}
scenarios: [{flow: [{get: /jobs}, {think: 1s..3s}]}]
thresholds: [p95 < 500ms, error_rate < 1%]
limits: {drain: 10s, max_in_flight: 900}
profiles:
  stress: {load: {phases: [{duration: 10m, users: 200, spawn_rate: 20/s}]}}
  spike:
    load: {phases: [{duration: 2m, users: 100, spawn_rate: 50/s}]}
    thresholds: [error_rate < 15%]
    limits: {max_in_flight: 100}
"""


def test_without_a_profile_the_spec_runs_as_written() -> None:
    spec = parse_spec(SPEC, "t.yaml")
    assert [(p.duration_s, p.start) for p in spec.phases] == [(300.0, 50.0)]
    assert "profiles" not in spec.raw  # the workers' document holds the spec as it runs


def test_a_profile_replaces_what_it_names_and_merges_maps_one_level() -> None:
    spec = parse_spec(SPEC, "t.yaml", profile="spike")
    assert [(p.duration_s, p.start, p.spawn_rate_per_s) for p in spec.phases] == [(120.0, 100.0, 50.0)]
    assert [t.text for t in spec.thresholds] == ["error_rate < 15%"]
    assert (spec.limits.max_in_flight, spec.limits.drain_s) == (100, 10.0)
    assert [s.name for s in spec.scenarios] == ["scenario-1"]  # the scenarios are not repeated


def test_an_unknown_profile_names_the_ones_there_are() -> None:
    with pytest.raises(SpecError, match="no profile 'soak' \\(profiles: stress, spike\\)"):
        parse_spec(SPEC, "t.yaml", profile="soak")


def test_a_problem_a_profile_brings_points_at_the_profile_s_line() -> None:
    broken = SPEC.replace("users: 100, spawn_rate: 50/s", "users: lots, spawn_rate: 50/s")
    with pytest.raises(SpecError) as caught:
        parse_spec(broken, "t.yaml", profile="spike")
    assert [str(p) for p in caught.value.problems] == [
        "t.yaml:10: load.phases[0].users: must be a whole number of users >= 0, got 'lots'"]


def test_a_profile_may_only_replace_parts_of_the_load_not_the_scenarios(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(SPEC + "  odd: {scenarios: []}\n")
    with pytest.raises(SpecError, match="profiles.odd.scenarios: a profile may replace name, target, load"):
        load_spec(tmp_path / "t.yaml")


def test_a_specs_profiles_are_named_in_the_order_written() -> None:
    from runner.spec.profiles import profile_names
    from runner.spec.yamlsource import load_yaml
    assert profile_names(load_yaml(SPEC, "t.yaml")) == ["stress", "spike"]
    assert profile_names(load_yaml("name: plain\n", "t.yaml")) == []
