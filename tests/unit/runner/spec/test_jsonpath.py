"""JSONPath captures as people write them: what they select, and what is refused up front."""
from __future__ import annotations

import pytest

from runner.spec import SpecError, parse_spec
from runner.spec.jsonpath import json_path_steps, select

DOC = {"items": [{"id": 1, "tags": ["a", "b"]}, {"id": 2}, {"id": 3}], "meta": {"id": "m", "next": {"id": "n"}},
       "odd key": True}


@pytest.mark.parametrize("path, selected", [
    ("$", [DOC]),
    ("$.items[0].id", [1]),
    ("$.items[-1].id", [3]),
    ("$.items[*].id", [1, 2, 3]),
    ("$.items.*.id", [1, 2, 3]),
    ("$..id", [1, 2, 3, "m", "n"]),
    ("$.items[1:3]", [{"id": 2}, {"id": 3}]),
    ("$.items[:1].id", [1]),
    ("$['meta']['next'].id", ["n"]),
    ('$["odd key"]', [True]),
    ("$.items[0].tags[-1]", ["b"]),
    ("$.items[7].id", []),
    ("$.nothing..id", []),
])
def test_a_path_selects_in_document_order(path: str, selected: list[object]) -> None:
    assert list(select(json_path_steps(path), DOC)) == selected


@pytest.mark.parametrize("path, problem", [
    ("$.items[?(@.id > 1)].id", "filters ([?(...)]) are not supported"),
    ("$.items[0,1]", "cannot read '[0,1]'"),
    ("items[0]", "a JSONPath starts with $, got 'items[0]' (e.g. $.data.id)"),
])
def test_what_is_not_supported_is_a_spec_problem_before_the_run(path: str, problem: str) -> None:
    text = ("target: http://127.0.0.1:1\nload: {phases: [{duration: 1s, rate: 1}]}\n"
            f"scenarios: [{{flow: [{{get: {{url: /a, capture: [{{json: '{path}', as: x}}]}}}}]}}]\n")
    with pytest.raises(SpecError) as caught:
        parse_spec(text, "t.yaml")
    assert len(caught.value.problems) == 1
    assert str(caught.value.problems[0]).startswith("t.yaml:3: scenarios[0].flow[0].get.capture[0].json: ")
    assert problem in str(caught.value.problems[0])
