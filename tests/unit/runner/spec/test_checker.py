"""The problem collector: every problem with its file, line and field path; an unknown key gets the
nearest known one as a hint, or the list of what is allowed."""
from __future__ import annotations

from runner.spec.checker import Checker, Problem, SpecError, kind_of
from runner.spec.yamlsource import load_yaml


def test_problems_are_located_and_unknown_keys_hinted() -> None:
    source = load_yaml("name: x\ntarget:\n  ulr: http://127.0.0.1\n  zzz: 1\n", "spec.yaml")
    c = Checker(source)
    c.mapping(("target",), source.data["target"], ("url", "headers", "timeout"), required=("url",))
    assert [str(p) for p in c.problems] == [
        "spec.yaml:3: target.ulr: unknown key (did you mean 'url'?)",
        "spec.yaml:4: target.zzz: unknown key (allowed: url, headers, timeout)",
        "spec.yaml:2: target: missing required key 'url'"]


def test_a_spec_error_says_every_problem() -> None:
    error = SpecError([Problem("a.yaml", 3, "load", "must be a map"), Problem("a.yaml", 0, "", "empty")])
    assert str(error) == "a.yaml:3: load: must be a map\na.yaml: empty"


def test_a_wrong_value_is_named_by_its_kind_and_a_long_text_is_not_echoed_back() -> None:
    assert [kind_of(v) for v in ("x", 3, [1], {"a": 1}, None, True)] == ["'x'", "3", "a list", "a map", "nothing",
                                                                        "True"]
    assert kind_of("line\n" * 100) == "text of 500 characters"
