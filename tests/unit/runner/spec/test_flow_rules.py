"""The rules for scenarios and their flows: a URL that cannot be sent, a variable used before it is
captured, a task's variables from its class's on_start, and every flow problem at once."""
from __future__ import annotations

import pytest

from runner.spec import SpecError, parse_spec
from runner.spec.flow_rules import on_start_captures, url_problem


@pytest.mark.parametrize("url, problem", [
    ("http://api.example.com/a b?q=1 2", None),  # the engines percent-encode the path and query
    ("http://[::1]:8080/", None),
    ("ftp://example.com/", "must be an http:// or https:// URL with a host"),
    ("http://exa mple.com/", "'exa mple.com' is not a host name"),
    ("http://example.com:0/", "port 0 is no port a server listens on"),
    ("http://example.com:99999/", "is not a URL (Port out of range 0-65535)"),
])
def test_a_url_that_no_engine_can_send_is_said(url: str, problem: str | None) -> None:
    assert url_problem(url) == problem


def test_a_task_may_use_what_every_class_that_runs_it_captured_on_start() -> None:
    scenarios = [{"name": "login", "flow": [{"post": {"url": "/login", "capture": [{"json": "$.t", "as": "token"}]}}]},
                 {"name": "admin-login", "flow": [{"post": {"url": "/a", "capture": {"json": "$.t", "as": "admin"}}}]},
                 {"name": "browse", "flow": []}]
    classes = [{"name": "Users", "on_start": "login", "tasks": ["browse"]},
               {"name": "Admins", "on_start": "admin-login", "tasks": {"browse": 1}}]
    assert on_start_captures(scenarios, classes) == {"browse": set()}  # token or admin: not both
    assert on_start_captures(scenarios, classes[:1]) == {"browse": {"token"}}


def test_every_flow_problem_is_said_at_once() -> None:
    spec = ("name: f\ntarget: http://127.0.0.1:9\nload: {phases: [{duration: 5s, rate: 1/s}]}\nscenarios:\n"
            "  - flow:\n      - get: {url: '/items/{{ itemId }}'}\n      - fetch: /x\n"
            "      - post: {url: /a, json: {a: 1}, form: {b: 2}}\n      - get: {url: /b, expect: 99}\n")
    with pytest.raises(SpecError) as raised:
        parse_spec(spec, "f.yaml")
    said = {p.line: p.message for p in raised.value.problems}
    assert sorted(said) == [6, 7, 8, 9]
    assert said[6].startswith("uses '{{ itemId }}' before anything defines it")
    assert said[7] == "unknown step (did you mean 'patch'?)"
    assert "json" in said[8] and "form" in said[8] and "99" in said[9]
