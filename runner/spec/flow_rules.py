"""Spec rules for scenarios and their flows: requests, think steps, expectations, captures."""
from __future__ import annotations

import difflib
import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit

from runner.spec.checker import Checker, kind_of, pairs
from runner.spec.jsonpath import json_path_steps
from runner.spec.model import (
    Capture,
    Check,
    DataSet,
    Loop,
    Request,
    Scenario,
    Step,
    Think,
    UserClass,
)
from runner.spec.yamlsource import Path
from runner.templating import SECRET, Template, compile_value, unknown_built_in, variables_in
from runner.units import parse_duration_range_s, parse_duration_s

METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
SCENARIO_KEYS = ("name", "weight", "flow", "tags")
USER_CLASS_KEYS = ("name", "weight", "tasks", "wait", "pacing", "on_start", "headers", "tags")
REQUEST_KEYS = ("url", "name", "headers", "query", "json", "form", "expect", "capture", "timeout", "cookies")
EXPECT_KEYS = ("status", "content_type", "json", "has", "header")
LOOP_KEYS = ("count", "over", "as", "until", "flow")
CAPTURE_KEYS = ("json", "header", "as")


# RFC 9110 5.1: a field name is a token
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
# Framing is the engine's: it writes these from the URL and the body; a second one makes servers
# reject the request, or read two requests where one was sent (request smuggling).
FRAMING_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection"})


_HOST_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_HOST_NAME = re.compile(rf"^{_HOST_LABEL}(?:\.{_HOST_LABEL})*\.?$")


def url_problem(url: str) -> str | None:
    """Why an absolute URL cannot be sent (by any engine), or None. Its path and query may hold
    anything: the engines percent-encode them."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        return f"is not a URL ({error})"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an http:// or https:// URL with a host"
    host = parts.hostname
    if not _HOST_NAME.match(host):
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return f"'{host}' is not a host name"
    if port == 0:
        return "port 0 is no port a server listens on"
    return None


MAX_HEADER_VALUE_CHARS = 65_536  # sent on every request: a 10 MB value was accepted and sent each time


def header_pairs(c: Checker, path: Path, value: Any) -> tuple[tuple[str, Template | str], ...]:
    """Header names (tokens, never a framing header) and values (no line break or NUL: they would
    split the request or cut it short)."""
    headers = pairs(c, path, value)
    for name, item in headers:
        text = item if isinstance(item, str) else item.source
        if not _TOKEN.match(name):
            c.problem(path + (name,), "a header name is letters, digits and !#$%&'*+-.^_`|~ only (no spaces, colons "
                                      "or line breaks: they would forge other headers)")
        elif name.lower() in FRAMING_HEADERS:
            c.problem(path + (name,), f"{name} is written by the engine from the URL and the body; a second one makes "
                                      f"servers refuse the request or read it as two (leave it out)")
        if "\r" in text or "\n" in text or "\0" in text:
            c.problem(path + (name,), "a header value cannot hold a line break or NUL (it would split the request)")
        elif len(text) > MAX_HEADER_VALUE_CHARS:
            c.problem(path + (name,), f"a header value of {len(text):,} characters: servers refuse far less (nginx "
                                      f"answers 400 past 8 KB a line, Node past 16 KB of headers); at most "
                                      f"{MAX_HEADER_VALUE_CHARS:,}")
    return headers


def on_start_captures(raw_scenarios: Any, raw_classes: Any) -> dict[str, set[str]]:
    """For each scenario that is a task of a user class with an on_start: the variables that
    on_start captures (they stay with the user, so the task may use them)."""
    if not isinstance(raw_scenarios, list) or not isinstance(raw_classes, list):
        return {}
    captured = {str(raw.get("name", f"scenario-{i + 1}")): _captured_by(raw.get("flow"))
                for i, raw in enumerate(raw_scenarios) if isinstance(raw, dict)}
    defined: dict[str, set[str]] = {}
    for klass in raw_classes:  # a task shared by classes may use only what every one of them captured
        if isinstance(klass, dict):
            on_start = klass.get("on_start")
            mine = captured.get(on_start, set()) if isinstance(on_start, str) else set()
            for task in map(str, _task_names(klass.get("tasks"))):
                defined[task] = defined[task] & mine if task in defined else set(mine)
    return defined


def _captured_by(flow: Any) -> set[str]:
    """The variables a raw flow's steps capture (`capture: [{as: name}]`)."""
    names: set[str] = set()
    bodies = [body for step in (flow if isinstance(flow, list) else []) if isinstance(step, dict)
              for body in step.values() if isinstance(body, dict)]
    for body in bodies:
        found = body.get("capture")
        names.update(str(cap["as"]) for cap in (found if isinstance(found, list) else [found])
                     if isinstance(cap, dict) and "as" in cap)
    return names


def _task_names(tasks: Any) -> list[Any]:
    return list(tasks.keys()) if isinstance(tasks, dict) else tasks if isinstance(tasks, list) else []


def data_names(data: tuple[DataSet, ...]) -> set[str]:
    """What a template may name of the data: each set, and each column of a set of rows."""
    return {d.name for d in data} | {f"{d.name}.{col}" for d in data for row in d.rows[:1]
                                     if isinstance(row, dict) for col in row}


def scenarios_from(c: Checker, value: Any, data: tuple[DataSet, ...],
                   user_defined: dict[str, set[str]] | None = None) -> tuple[Scenario, ...]:
    path: Path = ("scenarios",)
    if not isinstance(value, list) or not value:
        c.problem(path, "must be a non-empty list of scenarios")
        return ()
    known = data_names(data)
    return tuple(scenario for i, raw in enumerate(value)
                 if (scenario := _scenario(c, path + (i,), i, raw, known, user_defined or {})) is not None)


def _scenario(c: Checker, here: Path, index: int, raw: Any, known: set[str],
              user_defined: dict[str, set[str]]) -> Scenario | None:
    s = c.mapping(here, raw, SCENARIO_KEYS, required=("flow",))
    if not s:
        return None
    name = c.text(here + ("name",), s["name"]) if "name" in s else f"scenario-{index + 1}"
    weight = c.number(here + ("weight",), s.get("weight", 1), 0, 1.0)
    flow = s.get("flow", [])
    if not isinstance(flow, list) or not flow:
        c.problem(here + ("flow",), "must be a non-empty list of steps")
        return None
    defined = set(known) | user_defined.get(name, set())
    steps = [step for j, raw_step in enumerate(flow)
             if (step := _step(c, here + ("flow", j), raw_step, defined)) is not None]
    tags = s.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) and t for t in tags):
        c.problem(here + ("tags",), "must be a list of words, e.g. [smoke, write]")
        tags = []
    return Scenario(name, weight, tuple(steps), tuple(tags))


def check_scenario_weights(c: Checker, scenarios: tuple[Scenario, ...], open_phases: bool, classes: bool) -> None:
    """Open-model arrivals pick scenarios by weight (with user classes and only closed phases,
    the classes' task weights are what count)."""
    if scenarios and (open_phases or not classes) and sum(s.weight for s in scenarios) <= 0:
        c.problem(("scenarios",), "at least one scenario needs a weight > 0")


def user_classes_from(c: Checker, value: Any, scenarios: tuple[Scenario, ...],
                      data: tuple[DataSet, ...] = ()) -> tuple[UserClass, ...]:
    path: Path = ("user_classes",)
    if not isinstance(value, list) or not value:
        c.problem(path, "must be a non-empty list of user classes (name, weight, tasks, wait or pacing, on_start)")
        return ()
    names_of_data = data_names(data)
    classes = [k for i, raw in enumerate(value) if (k := _user_class(c, path, i, raw, scenarios, names_of_data))]
    names = [k.name for k in classes]
    for duplicate in sorted({n for n in names if names.count(n) > 1}):
        c.problem(path, f"duplicate user class name '{duplicate}'")
    if classes and sum(k.weight for k in classes) <= 0:
        c.problem(path, "at least one user class needs a weight > 0 (a weight-0 class runs only when --tags picks it)")
    return tuple(classes)


def _user_class(c: Checker, path: Path, index: int, raw: Any, scenarios: tuple[Scenario, ...],
                data_names: set[str]) -> UserClass | None:
    here = path + (index,)
    u = c.mapping(here, raw, USER_CLASS_KEYS, required=("name", "tasks"))
    if not u:
        return None
    known = {s.name for s in scenarios}
    name = c.text(here + ("name",), u.get("name"), f"class-{index + 1}")
    weight = c.number(here + ("weight",), u.get("weight", 1), 0, 1.0)
    tasks = _tasks(c, here + ("tasks",), u.get("tasks", {}), known)
    wait, pacing = _wait_or_pacing(c, here, u)
    on_start = c.text(here + ("on_start",), u["on_start"]) if "on_start" in u else None
    if on_start is not None and on_start not in known:
        c.problem(here + ("on_start",), f"no scenario named '{on_start}' (scenarios: {', '.join(sorted(known))})")
    headers = header_pairs(c, here + ("headers",), u.get("headers", {}))
    start_captures = {cap.variable for s in scenarios if s.name == on_start for step in s.requests
                      for cap in step.captures}
    _check_class_headers(c, here, headers, start_captures | data_names)
    return UserClass(name, weight, tasks, wait, pacing, on_start, headers, _class_tags(c, here, u.get("tags", [])))


def _wait_or_pacing(c: Checker, here: Path, u: dict[str, Any]) -> tuple[tuple[float, float], float | None]:
    """A class waits after each task, or paces a task every N s: one of the two."""
    wait = c.convert(here + ("wait",), u["wait"], parse_duration_range_s, (0.0, 0.0)) if "wait" in u else (0.0, 0.0)
    pacing = c.convert(here + ("pacing",), u["pacing"], parse_duration_s, 0.0) if "pacing" in u else None
    if "wait" in u and "pacing" in u:
        c.problem(here, "has both 'wait' (after each task) and 'pacing' (a task every N s): choose one")
    if pacing is not None and pacing <= 0:
        c.problem(here + ("pacing",), f"must be > 0, got {u['pacing']}")
    return wait, pacing


def _check_class_headers(c: Checker, here: Path, headers: tuple[tuple[str, Any], ...], defined: set[str]) -> None:
    """The class's headers use data, built-ins, secrets or what its on_start captures: nothing else."""
    for header, header_value in headers:
        for variable in header_value.variables if isinstance(header_value, Template) else ():
            if variable.startswith("$"):
                why = unknown_built_in(variable)
                if why:
                    c.problem(here + ("headers", header), f"'{{{{ {variable} }}}}': {why}")
            elif not SECRET.match(variable) and variable not in defined:
                c.problem(here + ("headers", header), f"uses '{{{{ {variable} }}}}', which neither the class's "
                          f"on_start captures nor data defines")


def _class_tags(c: Checker, here: Path, tags: Any) -> tuple[str, ...]:
    if not isinstance(tags, list) or not all(isinstance(t, str) and t for t in tags):
        c.problem(here + ("tags",), "must be a list of words, e.g. [admin]")
        return ()
    return tuple(tags)


def _tasks(c: Checker, path: Path, value: Any, known: set[str]) -> tuple[tuple[str, float], ...]:
    """`{list-jobs: 4, create-job: 1}` (scenario: weight) or `[list-jobs, create-job]` (weight 1 each)."""
    pairs = list(value.items()) if isinstance(value, dict) else [(v, 1) for v in value] if isinstance(value, list) \
        else None
    if not pairs:
        c.problem(path, "must name the scenarios this class runs, with weights: {list-jobs: 4, create-job: 1}")
        return ()
    tasks: list[tuple[str, float]] = []
    for name, weight in pairs:
        if not isinstance(name, str) or name not in known:
            c.problem(path, f"no scenario named '{name}' (scenarios: {', '.join(sorted(known))})")
            continue
        tasks.append((name, c.number(path + (name,), weight, 0, 1.0)))
    if tasks and sum(w for _, w in tasks) <= 0:
        c.problem(path, "at least one task needs a weight > 0")
    return tuple(tasks)


def _step(c: Checker, path: Path, value: Any, defined: set[str]) -> Step | None:
    if not isinstance(value, dict) or len(value) != 1:
        c.problem(path, f"a step is one of {', '.join(METHODS)}, request or think (e.g. '- get: {{url: /}}')")
        return None
    (kind, body), = value.items()
    if kind == "think":
        low, high = c.convert(path + ("think",), body, parse_duration_range_s, (0.0, 0.0))
        return Think(low, high if high != low else None)
    if kind == "loop":
        return _loop(c, path + ("loop",), body, defined)
    if kind not in METHODS and kind != "request":
        close = difflib.get_close_matches(kind, METHODS + ("request", "think", "loop"), n=1, cutoff=0.6)
        c.problem(path + (kind,), "unknown step" + (f" (did you mean '{close[0]}'?)" if close else
                                                     f" (use one of {', '.join(METHODS)}, request or think)"))
        return None
    return _request(c, path + (kind,), kind, body, defined)


def _request(c: Checker, path: Path, kind: str, value: Any, defined: set[str]) -> Request | None:
    if isinstance(value, str):
        value = {"url": value}
    allowed = REQUEST_KEYS + (("method",) if kind == "request" else ())
    r = c.mapping(path, value, allowed, required=("url",) + (("method",) if kind == "request" else ()))
    if not r:
        return None
    method = _method(c, path, kind, r)
    url_text = c.text(path + ("url",), r.get("url", "/"), "/")
    url = _url(c, path, url_text)
    body, form = _body(c, path, r)
    headers = header_pairs(c, path + ("headers",), r.get("headers", {}))
    query = pairs(c, path + ("query",), r.get("query", {}))
    cookies = pairs(c, path + ("cookies",), r.get("cookies", {}))
    templates = [t for _, t in headers + query + cookies + (form or ()) if isinstance(t, Template)]
    for variable in sorted(set(url.variables) | variables_in(body) | {v for t in templates for v in t.variables}):
        _check_variable(c, path, variable, defined)
    expect, checks = _expect(c, path + ("expect",), r["expect"]) if "expect" in r else (None, ())
    captures = _captures(c, path + ("capture",), r.get("capture", []))
    defined.update(capture.variable for capture in captures)
    name = c.text(path + ("name",), r["name"]) if "name" in r else f"{method} {url_text}"
    return Request(method=method, url=url if url.variables else url_text, name=name, headers=headers,
                   query=query, json=body, form=form, expect=expect, captures=captures, has_json="json" in r,
                   timeout_s=_timeout_s(c, path, r), checks=checks, cookies=cookies)


def _body(c: Checker, path: Path, r: dict[str, Any]) -> tuple[Any, tuple[tuple[str, Template | str], ...] | None]:
    """(the JSON body, compiled; the form's fields): a request has one of them at most."""
    if "json" in r and "form" in r:
        c.problem(path, "has both 'json' and 'form'; a request has one body")
    body = compile_value(r["json"]) if "json" in r else None
    return body, pairs(c, path + ("form",), r["form"]) if "form" in r else None


def _method(c: Checker, path: Path, kind: str, r: dict[str, Any]) -> str:
    """`get: …` says its method; `request: {method: …}` names one."""
    method = str(r.get("method", kind)).upper()
    if kind == "request" and method.lower() not in METHODS:
        c.problem(path + ("method",), f"unknown method '{method}' (use one of {', '.join(METHODS)})")
    return method


def _url(c: Checker, path: Path, url_text: str) -> Template:
    """Relative to target.url (a leading /), absolute, or a template."""
    url = Template(url_text)
    if not url_text.startswith(("/", "http://", "https://", "{{")):
        c.problem(path + ("url",), f"must start with / (relative to target.url) or be absolute, got '{url_text}'")
    elif url_text.startswith(("http://", "https://")) and not url.variables and url_problem(url_text):
        c.problem(path + ("url",), f"'{url_text}': {url_problem(url_text)}")
    return url


def _check_variable(c: Checker, path: Path, variable: str, defined: set[str]) -> None:
    """A request's template variable: a secret reference, a built-in, or defined before it (a
    capture of an earlier step, or data)."""
    if variable.startswith("secret:"):
        if not SECRET.match(variable):
            c.problem(path, f"'{{{{ {variable} }}}}' is not a secret reference (write "
                      f"{{{{ secret:ssm:/path }}}} or {{{{ secret:secretsmanager:name }}}})")
        return
    if variable.startswith("$"):
        why = unknown_built_in(variable)
        if why:
            c.problem(path, f"'{{{{ {variable} }}}}': {why}")
        return
    if variable not in defined and variable.split(".")[0] not in c.unread_data:
        c.problem(path, f"uses '{{{{ {variable} }}}}' before anything defines it "
                  f"(capture it in an earlier step or add it under data)")


def _timeout_s(c: Checker, path: Path, r: dict[str, Any]) -> float | None:
    timeout_s = c.convert(path + ("timeout",), r["timeout"], parse_duration_s, 0.0) if "timeout" in r else None
    if timeout_s is not None and timeout_s <= 0:
        c.problem(path + ("timeout",), f"must be > 0, got {r['timeout']}")
    return timeout_s or None


def _expect(c: Checker, path: Path, value: Any) -> tuple[frozenset[int] | None, tuple[Check, ...]]:
    """`expect: 200`, `[200, 404]`, or a map: status, content_type, json ({$.path: value}),
    has ([$.path, ...]) and header ({name: value}), as Artillery's expect checks them."""
    checks: tuple[Check, ...] = ()
    if isinstance(value, dict):
        e = c.mapping(path, value, EXPECT_KEYS)
        checks = _expect_checks(c, path, e)
        if "status" not in e:
            return None, checks
        value = e["status"]
        path = path + ("status",)
    codes = value if isinstance(value, list) else [value]
    if not codes or not all(isinstance(x, int) and not isinstance(x, bool) and 100 <= x <= 599 for x in codes):
        c.problem(path, f"must be a status code or a list of them (100-599), got {kind_of(value)}")
        return None, checks
    return frozenset(codes), checks


def _expect_checks(c: Checker, path: Path, e: dict[str, Any]) -> tuple[Check, ...]:
    """What an expect map checks besides the status."""
    checks: list[Check] = []
    if "content_type" in e:
        checks.append(Check("content_type", c.text(path + ("content_type",), e["content_type"])))
    if isinstance(e.get("json", {}), dict):
        for jpath, expected in (e.get("json") or {}).items():
            _check_path(c, path + ("json", jpath), str(jpath))
            checks.append(Check("json", str(jpath), expected))
    else:
        c.problem(path + ("json",), "must map JSONPaths to the values they must hold, e.g. {$.status: done}")
    has = e.get("has", [])
    for jpath in has if isinstance(has, list) else [has]:
        _check_path(c, path + ("has",), str(jpath))
        checks.append(Check("has", str(jpath)))
    header = e.get("header", {})
    if isinstance(header, dict):
        checks += [Check("header", str(name), str(v)) for name, v in header.items()]
    else:
        c.problem(path + ("header",), "must map header names to the values they must have")
    return tuple(checks)


def _check_path(c: Checker, path: Path, expression: str) -> None:
    try:
        json_path_steps(expression)
    except ValueError as error:
        c.problem(path, str(error))


def _loop(c: Checker, path: Path, value: Any, defined: set[str]) -> Loop | None:
    """`loop: {count: 3, flow: [...]}`, `{over: [a, b], as: size, flow}`, or a poll:
    `{count: 20, until: {status: done}, flow: [get + capture status, think]}`."""
    lp = c.mapping(path, value, LOOP_KEYS, required=("flow",))
    if not lp:
        return None
    over = lp.get("over")
    if over is not None and not isinstance(over, list):
        c.problem(path + ("over",), f"must be a list of values to go over, got {kind_of(over)}")
        over = None
    if over is None and "count" not in lp:
        c.problem(path, "needs 'count' (how many times, at most with 'until') or 'over' (a list)")
    count = int(c.number(path + ("count",), lp.get("count", 1), 1, 1, integer=True))
    as_name = c.text(path + ("as",), lp.get("as", "item"), "item")
    if over is not None:
        defined.add(as_name)
    steps = _loop_flow(c, path + ("flow",), lp.get("flow"), defined)
    until = _until(c, path + ("until",), lp["until"], defined) if "until" in lp else None
    return Loop(tuple(steps), count, tuple(over) if over is not None else None, as_name, until)


def _loop_flow(c: Checker, path: Path, flow: Any, defined: set[str]) -> list[Step]:
    if not isinstance(flow, list) or not flow:
        c.problem(path, "must be a non-empty list of steps")
        return []
    return [step for j, raw in enumerate(flow) if (step := _step(c, path + (j,), raw, defined)) is not None]


def _until(c: Checker, path: Path, value: Any, defined: set[str]) -> tuple[str, str] | None:
    """A poll's end: one captured variable and the value that ends the loop."""
    if not isinstance(value, dict) or len(value) != 1:
        c.problem(path, "must be one captured variable and the value that ends the loop: {status: done}")
        return None
    (variable, expected), = value.items()
    if str(variable) not in defined:
        c.problem(path, f"'{variable}' is never captured (capture it in the loop's flow)")
    return str(variable), str(expected).lower() if isinstance(expected, bool) else str(expected)


def _captures(c: Checker, path: Path, value: Any) -> tuple[Capture, ...]:
    items = value if isinstance(value, list) else [value]
    captures: list[Capture] = []
    for i, raw in enumerate(items):
        here = path + (i,) if isinstance(value, list) else path
        cap = c.mapping(here, raw, CAPTURE_KEYS, required=("as",))
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
