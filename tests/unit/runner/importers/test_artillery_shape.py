"""An Artillery script's shape, checked before it is converted: every value of a kind Artillery does
not read there, with its path, all at once (a phase's duration that does not parse included)."""
from __future__ import annotations

from runner.importers.artillery_shape import shape_problems


def test_a_well_formed_script_has_no_problem() -> None:
    script = {"config": {"target": "http://127.0.0.1:9", "phases": [{"duration": 60, "arrivalRate": 5}],
                         "ensure": {"p95": 200}},
              "scenarios": [{"flow": [{"get": {"url": "/"}}, {"think": 1}]}]}
    assert shape_problems(script) == []


def test_every_misshapen_value_is_named_by_its_path() -> None:
    script = {"config": {"target": 5, "phases": {"a": 1}}, "scenarios": [{"flow": [{"get": 5}]}]}
    problems = dict(shape_problems(script))
    assert set(problems) >= {("config", "target"), ("config", "phases"), ("scenarios", 0, "flow", 0, "get")}
    assert "got a number" in problems[("config", "target")] and "got a mapping" in problems[("config", "phases")]


def test_a_phase_whose_duration_does_not_parse_is_a_problem_not_a_ten_minute_run() -> None:
    script = {"config": {"target": "http://127.0.0.1:9", "phases": [{"duration": "a while", "arrivalRate": 1}]},
              "scenarios": [{"flow": [{"get": {"url": "/"}}]}]}
    [(path, message)] = shape_problems(script)
    assert path == ("config", "phases", 0, "duration") and "a while" in message


def test_templated_numbers_are_left_for_the_conversion() -> None:
    script = {"config": {"target": "http://127.0.0.1:9",
                         "phases": [{"duration": 10, "arrivalRate": "{{ $processEnvironment.RATE }}"}]},
              "scenarios": [{"flow": [{"get": {"url": "/"}}]}]}
    assert shape_problems(script) == []
