"""Spec rules for scenarios and their flows: requests, think steps, expectations, captures."""
from __future__ import annotations

import difflib
from typing import Any

from runner.spec.model import (
    Capture, DataSet, Request, Scenario, Step, Think,
)
from runner.spec.yamlsource import Path
from runner.spec.jsonpath import json_path_steps
from runner.templating import SECRET, Template, compile_value, unknown_built_in, variables_in
from runner.units import parse_duration_s

from runner.spec.checker import Checker, kind_of, pairs


METHODS = ("get", "post", "put", "patch", "delete", "head", "options")


def header_pairs(c: Checker, path: Path, value: Any) -> tuple[tuple[str, Template | str], ...]:
    """Header names and values; a value with a line break would split the request."""
    headers = pairs(c, path, value)
    for name, item in headers:
        text = item if isinstance(item, str) else item.source
        if "\r" in text or "\n" in text:
            c.problem(path + (name,), "a header value cannot hold a line break (it would split the request)")
    return headers


def scenarios_from(c: Checker, value: Any, data: tuple[DataSet, ...]) -> tuple[Scenario, ...]:
    path: Path = ("scenarios",)
    if not isinstance(value, list) or not value:
        c.problem(path, "must be a non-empty list of scenarios")
        return ()
    known = {d.name for d in data} | {f"{d.name}.{col}" for d in data for row in d.rows[:1]
                                      if isinstance(row, dict) for col in row}
    scenarios: list[Scenario] = []
    for i, raw in enumerate(value):
        here = path + (i,)
        s = c.mapping(here, raw, ("name", "weight", "flow", "tags"), required=("flow",))
        if not s:
            continue
        name = c.text(here + ("name",), s["name"]) if "name" in s else f"scenario-{i + 1}"
        weight = c.number(here + ("weight",), s.get("weight", 1), 0, 1.0)
        flow = s.get("flow", [])
        if not isinstance(flow, list) or not flow:
            c.problem(here + ("flow",), "must be a non-empty list of steps")
            continue
        steps: list[Step] = []
        defined = set(known)
        for j, raw_step in enumerate(flow):
            step = _step(c, here + ("flow", j), raw_step, defined)
            if step is not None:
                steps.append(step)
        tags = s.get("tags", [])
        if not isinstance(tags, list) or not all(isinstance(t, str) and t for t in tags):
            c.problem(here + ("tags",), "must be a list of words, e.g. [smoke, write]")
            tags = []
        scenarios.append(Scenario(name, weight, tuple(steps), tuple(tags)))
    if scenarios and sum(s.weight for s in scenarios) <= 0:
        c.problem(path, "at least one scenario needs a weight > 0")
    return tuple(scenarios)


def _step(c: Checker, path: Path, value: Any, defined: set[str]) -> Step | None:
    if not isinstance(value, dict) or len(value) != 1:
        c.problem(path, f"a step is one of {', '.join(METHODS)}, request or think (e.g. '- get: {{url: /}}')")
        return None
    (kind, body), = value.items()
    if kind == "think":
        seconds = c.convert(path + ("think",), body, parse_duration_s, 0.0)
        return Think(seconds)
    if kind not in METHODS and kind != "request":
        close = difflib.get_close_matches(kind, METHODS + ("request", "think"), n=1, cutoff=0.6)
        c.problem(path + (kind,), "unknown step" + (f" (did you mean '{close[0]}'?)" if close else
                                                     f" (use one of {', '.join(METHODS)}, request or think)"))
        return None
    return _request(c, path + (kind,), kind, body, defined)


def _request(c: Checker, path: Path, kind: str, value: Any, defined: set[str]) -> Request | None:
    if isinstance(value, str):
        value = {"url": value}
    allowed = ("url", "name", "headers", "query", "json", "form", "expect", "capture") + \
        (("method",) if kind == "request" else ())
    r = c.mapping(path, value, allowed, required=("url",) + (("method",) if kind == "request" else ()))
    if not r:
        return None
    method = str(r.get("method", kind)).upper()
    if kind == "request" and method.lower() not in METHODS:
        c.problem(path + ("method",), f"unknown method '{method}' (use one of {', '.join(METHODS)})")
    url_text = c.text(path + ("url",), r.get("url", "/"), "/")
    url = Template(url_text)
    if not url_text.startswith(("/", "http://", "https://", "{{")):
        c.problem(path + ("url",), f"must start with / (relative to target.url) or be absolute, got '{url_text}'")
    if "json" in r and "form" in r:
        c.problem(path, "has both 'json' and 'form'; a request has one body")
    body = compile_value(r["json"]) if "json" in r else None
    form = pairs(c, path + ("form",), r["form"]) if "form" in r else None
    headers = header_pairs(c, path + ("headers",), r.get("headers", {}))
    query = pairs(c, path + ("query",), r.get("query", {}))
    used = set(url.variables) | variables_in(body) | {v for _, t in headers + query + (form or ())
                                                       if isinstance(t, Template) for v in t.variables}
    for variable in sorted(used):
        if variable.startswith("secret:"):
            if not SECRET.match(variable):
                c.problem(path, f"'{{{{ {variable} }}}}' is not a secret reference (write "
                          f"{{{{ secret:ssm:/path }}}} or {{{{ secret:secretsmanager:name }}}})")
            continue
        if variable.startswith("$"):
            why = unknown_built_in(variable)
            if why:
                c.problem(path, f"'{{{{ {variable} }}}}': {why}")
            continue
        if variable not in defined:
            c.problem(path, f"uses '{{{{ {variable} }}}}' before anything defines it "
                      f"(capture it in an earlier step or add it under data)")
    expect = _expect(c, path + ("expect",), r["expect"]) if "expect" in r else None
    captures = _captures(c, path + ("capture",), r.get("capture", []))
    defined.update(capture.variable for capture in captures)
    name = c.text(path + ("name",), r["name"]) if "name" in r else f"{method} {url_text}"
    return Request(method=method, url=url if url.variables else url_text, name=name, headers=headers,
                   query=query, json=body, form=form, expect=expect, captures=captures, has_json="json" in r)


def _expect(c: Checker, path: Path, value: Any) -> frozenset[int] | None:
    if isinstance(value, dict):
        value = c.mapping(path, value, ("status",), required=("status",)).get("status", [])
        path = path + ("status",)
    codes = value if isinstance(value, list) else [value]
    if not codes or not all(isinstance(x, int) and not isinstance(x, bool) and 100 <= x <= 599 for x in codes):
        c.problem(path, f"must be a status code or a list of them (100-599), got {kind_of(value)}")
        return None
    return frozenset(codes)


def _captures(c: Checker, path: Path, value: Any) -> tuple[Capture, ...]:
    items = value if isinstance(value, list) else [value]
    captures: list[Capture] = []
    for i, raw in enumerate(items):
        here = path + (i,) if isinstance(value, list) else path
        cap = c.mapping(here, raw, ("json", "header", "as"), required=("as",))
        if not cap:
            continue
        sources = [k for k in ("json", "header") if k in cap]
        if len(sources) != 1:
            c.problem(here, "needs exactly one of 'json' (e.g. $.jobId) or 'header' (e.g. Location)")
            continue
        expression = c.text(here + (sources[0],), cap[sources[0]], "$")
        if sources[0] == "json":
            try:
                json_path_steps(expression)
            except ValueError as error:
                c.problem(here + ("json",), str(error))
        captures.append(Capture(sources[0], expression, c.text(here + ("as",), cap.get("as"), "_")))
    return tuple(captures)
