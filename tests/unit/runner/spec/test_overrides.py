"""--set PATH=VALUE on the document before it is validated: a list item by its name or its index,
a map's key made where it is missing, the value read as YAML; every wrong path said with what is there."""
from __future__ import annotations

import pytest

from runner.spec.overrides import OverrideError, apply_override


def document() -> dict:
    return {"load": {"phases": [{"name": "warm", "rate": 5}, {"name": "sustained", "rate": 50}]},
            "limits": {"drain": "10s"}}


def test_a_list_item_by_its_name_or_its_index_and_a_value_read_as_yaml() -> None:
    data = document()
    apply_override(data, "load.phases.sustained.rate=200/s")
    apply_override(data, "load.phases.0.rate=7")
    apply_override(data, "limits.max_workers=4")
    apply_override(data, "aws.resources.lambda=[fn-a, fn-b]")
    assert data["load"]["phases"] == [{"name": "warm", "rate": 7}, {"name": "sustained", "rate": "200/s"}]
    assert data["limits"] == {"drain": "10s", "max_workers": 4}
    assert data["aws"] == {"resources": {"lambda": ["fn-a", "fn-b"]}}  # made where it was missing


def test_a_value_that_is_not_yaml_stays_text_and_an_empty_one_is_empty() -> None:
    data = document()
    apply_override(data, "name=a: b: c")
    apply_override(data, "limits.drain=")
    assert data["name"] == "a: b: c" and data["limits"]["drain"] == ""


@pytest.mark.parametrize(("assignment", "said"), [
    ("load.phases.spike.rate=1", "--set load.phases.spike.rate: no item 'spike' at load.phases.spike "
                                  "(names: warm, sustained)"),
    ("load.phases.sustained.rate.max=1", "--set load.phases.sustained.rate.max: load.phases.sustained.rate is a "
                                         "value, not a map or a list"),
    ("load.phases", "--set 'load.phases': write PATH=VALUE, e.g. load.phases.sustained.rate=200/s"),
    ("=3", "--set '=3': write PATH=VALUE"),
])
def test_a_wrong_path_is_said_with_what_is_there(assignment: str, said: str) -> None:
    with pytest.raises(OverrideError) as raised:
        apply_override(document(), assignment)
    assert str(raised.value).startswith(said)


def test_an_index_past_an_unnamed_list_says_its_range() -> None:
    with pytest.raises(OverrideError, match=r"no item '5' at items.5 \(0 to 1\)"):
        apply_override({"items": [1, 2]}, "items.5=0")
