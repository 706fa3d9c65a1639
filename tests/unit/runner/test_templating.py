"""`{{ name }}` templates: compiled once, rendered per request from the user's variables and the
built-ins (seeded: the same seed gives the same values), a whole-value template keeping its
variable's type in a JSON body, and every unknown built-in refused with its nearest spelling."""
from __future__ import annotations

import random
import re

import pytest

from runner.templating import (
    MissingVariable,
    Template,
    compile_value,
    render_value,
    unknown_built_in,
    variables_in,
)


def test_a_template_renders_its_variables_and_a_constant_is_itself() -> None:
    template = Template("/users/{{ id }}/orders?page={{page}}")
    assert template.variables == ("id", "page") and not template.is_constant
    assert template.render({"id": 7, "page": "2"}, random.Random(1)) == "/users/7/orders?page=2"
    assert Template("/health").is_constant and Template("/health").render({}, random.Random(1)) == "/health"
    with pytest.raises(MissingVariable):
        template.render({"id": 7}, random.Random(1))


def test_built_ins_are_seeded_and_within_their_bounds() -> None:
    template = Template("{{ $uuid }} {{ $random_int(5, 9) }} {{ $random_string(12) }}")
    first = template.render({}, random.Random(42)).split()
    assert first == template.render({}, random.Random(42)).split()  # the same seed, the same values
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", first[0])
    assert 5 <= int(first[1]) <= 9 and re.fullmatch(r"[A-Za-z0-9]{12}", first[2])


def test_a_json_body_keeps_a_whole_value_variable_s_type() -> None:
    body = compile_value({"id": "{{ id }}", "label": "item {{ id }}", "tags": ["{{ tag }}", "fixed"], "n": 3})
    assert variables_in(body) == {"id", "tag"}
    rendered = render_value(body, {"id": 41, "tag": "new"}, random.Random(1))
    assert rendered == {"id": 41, "label": "item 41", "tags": ["new", "fixed"], "n": 3}


@pytest.mark.parametrize(("name", "why"), [
    ("$uuid", None), ("$env.API_KEY", None), ("$random_int(1, 3)", None), ("$random_string(10)", None),
    ("$random_int(9, 1)", "$random_int(LOW, HIGH) needs LOW <= HIGH, got 9 > 1"),
    ("$random_string(0)", "$random_string(LENGTH) needs a length from 1 to 4,096, got 0"),
    ("$processEnvironment.TOKEN", "Artillery's $processEnvironment is written {{ $env.TOKEN }} here"),
    ("$env.with-dash", "an environment variable is written {{ $env.NAME }} (letters, digits and _)"),
])
def test_a_built_in_is_known_or_refused_with_why(name: str, why: str | None) -> None:
    assert unknown_built_in(name) == why


def test_anything_else_with_a_dollar_lists_the_built_ins() -> None:
    said = unknown_built_in("$randomNumber(1,2)")
    assert said is not None and said.startswith("not a built-in (they are: $uuid, $worker, $iteration")
