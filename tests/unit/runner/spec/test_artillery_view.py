"""A converted Artillery script's problems in the script's own terms: its keys and its lines."""
from __future__ import annotations

from runner.spec.artillery_view import ScriptView, in_script_terms, script_field, script_path
from runner.spec.checker import Problem, SpecError
from runner.spec.yamlsource import load_yaml


def test_the_converted_specs_paths_become_the_scripts() -> None:
    assert script_path(("load", "phases", 0, "rate")) == ("config", "phases", 0, "rate")
    assert script_path(("target", "headers", "X-Key")) == ("config", "defaults", "headers", "X-Key")
    assert script_path(("limits", "drain")) == ("config",)  # nothing of the script's: its config
    assert script_field("load.phases[1].rate") == "config.phases[1].arrivalRate"
    assert script_field("thresholds[0]") == "config.ensure[0]"
    assert script_field("scenarios[0].flow[2]") == "scenarios[0].flow[2]"


def test_a_problem_is_located_at_the_scripts_line() -> None:
    script = load_yaml("config:\n  target: http://127.0.0.1:9\n  phases:\n    - duration: 10\n      arrivalRate: -1\n"
                       "scenarios:\n  - flow: [{get: {url: /}}]\n", "load.yml")
    view = ScriptView("load.yml", {}, script)
    # the phase's line (the script names the rate arrivalRate), the target's, the scenario's
    assert [view.line_of(p) for p in (("load", "phases", 0, "rate"), ("target", "url"), ("scenarios", 0))] == [4, 2, 7]
    error = in_script_terms(SpecError([Problem("load.yml", 4, "load.phases[0].rate", "must be >= 0")]))
    assert str(error) == "load.yml:4: config.phases[0].arrivalRate: must be >= 0"
