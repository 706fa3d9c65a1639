"""YAML read with the line of every value, so a problem says `file:line: field.path`; input a
parser should never be handed whole is refused first (too large, too many values, too deep)."""
from __future__ import annotations

import pytest

from runner.spec.yamlsource import MAX_DEPTH, SpecSyntaxError, load_yaml

SPEC = """\
name: api
load:
  phases:
    - {duration: 10s, rate: 5/s}
    - name: spike
      rate: 50/s
"""


def test_every_value_keeps_its_line_and_a_missing_one_falls_back_to_its_parent() -> None:
    source = load_yaml(SPEC, "api.yaml")
    assert source.data["load"]["phases"][1] == {"name": "spike", "rate": "50/s"}
    assert source.line_of(("name",)) == 1
    assert source.line_of(("load", "phases", 0, "rate")) == 4
    assert source.line_of(("load", "phases", 1, "rate")) == 6
    assert source.line_of(("load", "phases", 1, "nowhere")) == source.line_of(("load", "phases", 1)) == 5


def test_invalid_yaml_is_said_at_its_line() -> None:
    with pytest.raises(SpecSyntaxError) as raised:
        load_yaml("name: api\nload: [a, b\nthresholds: []\n", "bad.yaml")
    assert raised.value.file == "bad.yaml" and raised.value.line == 3
    assert str(raised.value).startswith("bad.yaml:3: invalid YAML")


def test_an_empty_file_is_no_data_and_too_deep_or_too_large_is_refused_before_parsing() -> None:
    assert load_yaml("", "empty.yaml").data is None
    with pytest.raises(SpecSyntaxError, match="deep"):
        load_yaml("a: " + "[" * (MAX_DEPTH + 2) + "]" * (MAX_DEPTH + 2), "deep.yaml")
    with pytest.raises(SpecSyntaxError, match="a spec is at most 4 MB"):
        load_yaml("#" * 4_000_001, "huge.yaml")
