"""Turn parsed YAML into a ``Spec``, collecting every problem at once.

Each problem names file, line, field path, what is wrong and a hint:
``quickstart.yaml:14: load.phases[2].rate: must be > 0, got -5``.
"""
from __future__ import annotations

import csv
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Any, TypeVar
from urllib.parse import urlsplit

from analysis.abort import AbortRule
from analysis.regression import parse_regression
from analysis.target_thresholds import parse_target_threshold
from analysis.thresholds import Threshold, parse_threshold
from analysis.verdict import HealthLimits
from analysis.target import HttpApi, RestApi, TargetResources
from runner.spec.model import (
    AwsWatch, Capture, DataSet, Limits, Phase, Request, Scenario, Spec, Step, Target, Think,
)
from runner.spec.yamlsource import Path, Source, dotted
from runner.templating import Template, compile_value, variables_in
from runner.units import parse_duration_s, parse_rate_per_s, parse_share

T = TypeVar("T")
METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
TOP_KEYS = ("name", "target", "load", "scenarios", "data", "thresholds", "limits", "aws")
MISSING = object()


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class SpecError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class Checker:
    def __init__(self, source: Source) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def problem(self, path: Path, message: str) -> None:
        self.problems.append(Problem(self.source.file, self.source.line_of(path), dotted(path), message))

    def mapping(self, path: Path, value: Any, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.problem(path, f"must be a map, got {_kind(value)}")
            return {}
        for key in value:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'?" if close else f"allowed: {', '.join(allowed)}"
                self.problem(path + (key,), f"unknown key ({hint})")
        for key in required:
            if key not in value:
                self.problem(path, f"missing required key '{key}'")
        return value

    def convert(self, path: Path, value: Any, parse: Callable[[Any], T], default: T) -> T:
        try:
            return parse(value)
        except (ValueError, TypeError) as error:
            self.problem(path, str(error))
            return default

    def text(self, path: Path, value: Any, default: str = "") -> str:
        if not isinstance(value, str) or not value.strip():
            self.problem(path, f"must be a non-empty string, got {_kind(value)}")
            return default
        return value

    def number(self, path: Path, value: Any, minimum: float, default: float, integer: bool = False) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not isinstance(value, int)):
            self.problem(path, f"must be {'a whole number' if integer else 'a number'}, got {_kind(value)}")
            return default
        if value < minimum:
            self.problem(path, f"must be >= {minimum:g}, got {value}")
            return default
        return float(value)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return f"'{value}'"
    return {dict: "a map", list: "a list", bool: f"{value}"}.get(type(value), repr(value))


def build_spec(source: Source, base_dir: FilePath | None) -> Spec:
    """``base_dir``: where CSV data files are read from; None where no files can be read (AWS)."""
    c = Checker(source)
    top = c.mapping((), source.data if source.data is not None else {}, TOP_KEYS,
                    required=("target", "load", "scenarios"))
    name = c.text(("name",), top["name"], "run") if "name" in top else FilePath(source.file).stem
    # A missing section is reported once (above), not again for each key it lacks.
    target = _target(c, top["target"]) if "target" in top else Target("http://127.0.0.1")
    phases, arrivals = _load(c, top["load"]) if "load" in top else ((), "constant")
    data = _data(c, top.get("data", {}), base_dir)
    scenarios = _scenarios(c, top["scenarios"], data) if "scenarios" in top else ()
    aborts: list[AbortRule] = []
    thresholds = _thresholds(c, top.get("thresholds", []), scenarios, aborts)
    limits = _limits(c, top.get("limits", {}))
    aws = _aws(c, top["aws"]) if "aws" in top else None
    if aws is None and any(t.target is not None for t in thresholds):
        c.problem(("thresholds",), "aws.* thresholds need an 'aws' section naming the resources to watch")
    if c.problems:
        raise SpecError(sorted(c.problems, key=lambda p: p.line))
    return Spec(name=name, file=source.file, target=target, phases=phases, scenarios=scenarios,
                data=data, thresholds=thresholds, abort_rules=tuple(aborts), limits=limits, arrivals=arrivals,
                raw=source.data, aws=aws)


def _target(c: Checker, value: Any) -> Target:
    path: Path = ("target",)
    if isinstance(value, str):
        value = {"url": value}
    t = c.mapping(path, value, ("url", "headers", "timeout", "verify_tls", "http2"), required=("url",))
    url = c.text(path + ("url",), t.get("url", "http://127.0.0.1"), "http://127.0.0.1")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        c.problem(path + ("url",), f"must be an http:// or https:// URL with a host, got '{url}'")
    headers = _pairs(c, path + ("headers",), t.get("headers", {}))
    timeout_s = c.convert(path + ("timeout",), t.get("timeout", "10s"), parse_duration_s, 10.0)
    if timeout_s <= 0:
        c.problem(path + ("timeout",), "must be > 0 (e.g. 10s)")
    verify = t.get("verify_tls", True)
    http2 = t.get("http2", False)
    for key, flag in (("verify_tls", verify), ("http2", http2)):
        if not isinstance(flag, bool):
            c.problem(path + (key,), f"must be true or false, got {_kind(flag)}")
    return Target(url.rstrip("/"), headers, timeout_s, verify is not False, http2 is True)


def _pairs(c: Checker, path: Path, value: Any) -> tuple[tuple[str, Template | str], ...]:
    if not isinstance(value, dict):
        c.problem(path, f"must be a map of names to values, got {_kind(value)}")
        return ()
    pairs: list[tuple[str, Template | str]] = []
    for key, item in value.items():
        if isinstance(item, (dict, list)) or item is None:
            c.problem(path + (key,), f"must be a plain value, got {_kind(item)}")
            continue
        text = str(item).lower() if isinstance(item, bool) else str(item)
        template = Template(text)
        pairs.append((key, text if template.is_constant else template))
    return tuple(pairs)


def _load(c: Checker, value: Any) -> tuple[tuple[Phase, ...], str]:
    path: Path = ("load",)
    load = c.mapping(path, value, ("phases", "arrivals"), required=("phases",))
    arrivals = load.get("arrivals", "constant")
    if arrivals not in ("constant", "poisson"):
        c.problem(path + ("arrivals",), f"must be 'constant' or 'poisson', got {_kind(arrivals)}")
    raw_phases = load.get("phases", [])
    if not isinstance(raw_phases, list) or not raw_phases:
        c.problem(path + ("phases",), "must be a non-empty list of phases")
        return (), "constant"
    phases: list[Phase] = []
    names: set[str] = set()
    for i, raw in enumerate(raw_phases):
        phase = _phase(c, path + ("phases", i), raw, i)
        if phase is None:
            continue
        if phase.name in names:
            c.problem(path + ("phases", i, "name"), f"duplicate phase name '{phase.name}'")
        names.add(phase.name)
        phases.append(phase)
    return tuple(phases), str(arrivals)


def _phase(c: Checker, path: Path, value: Any, index: int) -> Phase | None:
    p = c.mapping(path, value, ("name", "duration", "rate", "ramp_to", "users", "pause"), required=("duration",))
    if not p:
        return None
    name = c.text(path + ("name",), p["name"]) if "name" in p else f"phase-{index + 1}"
    duration_s = c.convert(path + ("duration",), p.get("duration", 0), parse_duration_s, 0.0)
    if "duration" in p and duration_s <= 0:
        c.problem(path + ("duration",), f"must be > 0, got {p['duration']}")
    kinds = [k for k in ("rate", "users", "pause") if k in p]
    if len(kinds) != 1:
        c.problem(path, "needs exactly one of 'rate' (open model), 'users' (closed model) or 'pause: true'"
                  + (f", got {' and '.join(kinds)}" if kinds else ""))
        return None
    kind = kinds[0]
    if kind == "pause":
        if "ramp_to" in p:
            c.problem(path + ("ramp_to",), "a pause has no ramp")
        return Phase(name, duration_s, "pause")
    parse: Callable[[Any], float] = parse_rate_per_s if kind == "rate" else _users
    before = len(c.problems)
    start = c.convert(path + (kind,), p[kind], parse, 0.0)
    end = c.convert(path + ("ramp_to",), p["ramp_to"], parse, start) if "ramp_to" in p else start
    if start == 0 and end == 0 and len(c.problems) == before:
        c.problem(path + (kind,), f"must be > 0, got {p[kind]} (use 'pause: true' for a phase without load)")
    return Phase(name, duration_s, kind, start, end)


def _users(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"must be a whole number of users >= 0, got {_kind(value)}")
    return float(value)


def _data(c: Checker, value: Any, base_dir: FilePath | None) -> tuple[DataSet, ...]:
    path: Path = ("data",)
    if not isinstance(value, dict):
        c.problem(path, f"must be a map of data set names, got {_kind(value)}")
        return ()
    sets: list[DataSet] = []
    for name, raw in value.items():
        here = path + (name,)
        if isinstance(raw, list):
            raw = {"values": raw}
        d = c.mapping(here, raw, ("values", "csv", "order"))
        if ("values" in d) == ("csv" in d):
            c.problem(here, "needs exactly one of 'values' (an inline list) or 'csv' (a file path)")
            continue
        order = d.get("order", "random")
        if order not in ("random", "sequence"):
            c.problem(here + ("order",), f"must be 'random' or 'sequence', got {_kind(order)}")
        rows: tuple[Any, ...] = ()
        if "values" in d:
            if not isinstance(d["values"], list) or not d["values"]:
                c.problem(here + ("values",), "must be a non-empty list")
            else:
                rows = tuple(d["values"])
        else:
            rows = _csv_rows(c, here + ("csv",), d["csv"], base_dir)
        sets.append(DataSet(name, rows, str(order)))
    return tuple(sets)


def _csv_rows(c: Checker, path: Path, value: Any, base_dir: FilePath | None) -> tuple[Any, ...]:
    if base_dir is None:
        c.problem(path, "a CSV file cannot be read here (run it with the squall CLI, which inlines data, "
                  "or list the rows under 'values')")
        return ()
    file = base_dir / str(value)
    try:
        with file.open(newline="", encoding="utf-8") as handle:
            rows = tuple(dict(row) for row in csv.DictReader(handle))
    except OSError as error:
        c.problem(path, f"cannot read '{file}': {error.strerror} (paths are relative to the spec file)")
        return ()
    if not rows:
        c.problem(path, f"'{file}' has a header but no rows")
    return rows


def _scenarios(c: Checker, value: Any, data: tuple[DataSet, ...]) -> tuple[Scenario, ...]:
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
    form = _pairs(c, path + ("form",), r["form"]) if "form" in r else None
    headers = _pairs(c, path + ("headers",), r.get("headers", {}))
    query = _pairs(c, path + ("query",), r.get("query", {}))
    used = set(url.variables) | variables_in(body) | {v for _, t in headers + query + (form or ())
                                                       if isinstance(t, Template) for v in t.variables}
    for variable in sorted(used):
        if variable.startswith("secret:"):
            if not re.match(r"^secret:(ssm|secretsmanager):.+$", variable):
                c.problem(path, f"'{{{{ {variable} }}}}' is not a secret reference (write "
                          f"{{{{ secret:ssm:/path }}}} or {{{{ secret:secretsmanager:name }}}})")
            continue
        if not variable.startswith("$") and variable not in defined:
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
        c.problem(path, f"must be a status code or a list of them (100-599), got {_kind(value)}")
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
        if sources[0] == "json" and not expression.startswith("$"):
            c.problem(here + ("json",), f"a JSONPath starts with $, got '{expression}' (e.g. $.data.id)")
        captures.append(Capture(sources[0], expression, c.text(here + ("as",), cap.get("as"), "_")))
    return tuple(captures)


def _thresholds(c: Checker, value: Any, scenarios: tuple[Scenario, ...], aborts: list[AbortRule]) -> \
        tuple[Threshold, ...]:
    path: Path = ("thresholds",)
    if not isinstance(value, list):
        c.problem(path, f"must be a list of thresholds such as 'p95 < 500ms', got {_kind(value)}")
        return ()
    endpoints = [step.name for s in scenarios for step in s.flow if isinstance(step, Request)]
    thresholds: list[Threshold] = []
    for i, raw in enumerate(value):
        here = path + (i,)
        if isinstance(raw, str):
            raw = {"check": raw}
        t = c.mapping(here, raw, ("check", "severity", "endpoint", "exclude_statuses", "abort", "for", "after"),
                      required=("check",))
        if "check" not in t:
            continue
        text = c.text(here + ("check",), t["check"], "")
        target_ref = regression_ref = None
        try:
            if " regression " in f" {text} ":
                regression_ref, op, limit = parse_regression(text)
                metric, percentile = "regression", None
            elif text.strip().startswith("aws."):
                target_ref, op, limit = parse_target_threshold(text)
                metric, percentile = "aws", None
                if "endpoint" in t:
                    c.problem(here + ("endpoint",), "an aws.* threshold names its resource in brackets, "
                              "e.g. aws.lambda[my-fn].throttles == 0")
            else:
                metric, percentile, op, limit = parse_threshold(text)
        except ValueError as error:
            c.problem(here + ("check",) if "severity" in t or "endpoint" in t else here, str(error))
            continue
        severity = t.get("severity", "must")
        if severity not in ("must", "should"):
            c.problem(here + ("severity",), f"must be 'must' (fails the run) or 'should' (warns), got {_kind(severity)}")
        endpoint = t.get("endpoint")
        if endpoint is not None and endpoint not in endpoints:
            close = difflib.get_close_matches(str(endpoint), endpoints, n=1, cutoff=0.5)
            c.problem(here + ("endpoint",), f"no request is named '{endpoint}'" +
                      (f" (did you mean '{close[0]}'?)" if close else f" (names: {', '.join(dict.fromkeys(endpoints))})"))
        excluded = t.get("exclude_statuses", [])
        if not isinstance(excluded, list) or not all(isinstance(x, int) for x in excluded):
            c.problem(here + ("exclude_statuses",), "must be a list of status codes, e.g. [429]")
            excluded = []
        thresholds.append(Threshold(text.strip(), metric, percentile, op, limit,
                                    None if endpoint is None else str(endpoint), str(severity), tuple(excluded),
                                    target_ref, regression_ref))
        if t.get("abort") is True:
            if metric in ("aws", "regression", "rps", "requests", "errors"):
                c.problem(here + ("abort",), f"abort rules judge each second of the run: use latency percentiles or "
                          f"error_rate, not {metric}")
            else:
                for_s = c.convert(here + ("for",), t.get("for", "0s"), parse_duration_s, 0.0)
                after_s = c.convert(here + ("after",), t.get("after", "0s"), parse_duration_s, 0.0)
                aborts.append(AbortRule(thresholds[-1], for_s, after_s))
        elif "abort" in t and t["abort"] is not False:
            c.problem(here + ("abort",), f"must be true or false, got {_kind(t['abort'])}")
        elif "for" in t or "after" in t:
            c.problem(here, "'for' and 'after' go with 'abort: true'")
    return tuple(thresholds)


def _aws(c: Checker, value: Any) -> AwsWatch | None:
    path: Path = ("aws",)
    a = c.mapping(path, value, ("region", "stack", "resources", "settle"))
    if not a:
        return None
    region = c.text(path + ("region",), a["region"]) if "region" in a else None
    stack = c.text(path + ("stack",), a["stack"]) if "stack" in a else None
    settle_s = c.convert(path + ("settle",), a.get("settle", "3m"), parse_duration_s, 180.0)
    res = c.mapping(path + ("resources",), a.get("resources", {}), ("lambda", "dynamodb", "apigateway"))

    def names(key: str) -> tuple[str, ...]:
        items = res.get(key, [])
        if not isinstance(items, list) or not all(isinstance(i, str) and i for i in items):
            c.problem(path + ("resources", key), "must be a list of names")
            return ()
        return tuple(items)
    rest: list[RestApi] = []
    http: list[HttpApi] = []
    apis = res.get("apigateway", [])
    for i, api in enumerate(apis if isinstance(apis, list) else []):
        here = path + ("resources", "apigateway", i)
        entry = c.mapping(here, api, ("name", "id", "stage"), required=("stage",))
        if ("name" in entry) == ("id" in entry):
            c.problem(here, "needs 'name' (a REST API) or 'id' (an HTTP API), and a 'stage'")
        elif "name" in entry:
            rest.append(RestApi(str(entry["name"]), str(entry.get("stage", ""))))
        else:
            http.append(HttpApi(str(entry["id"]), str(entry.get("stage", ""))))
    if not isinstance(apis, list):
        c.problem(path + ("resources", "apigateway"), "must be a list of {name|id, stage}")
    resources = TargetResources(names("lambda"), names("dynamodb"), tuple(rest), tuple(http))
    if resources.empty and stack is None:
        c.problem(path, "names no resources: list them under 'resources' or name a CloudFormation 'stack'")
    return AwsWatch(resources, region, stack, settle_s)


def _limits(c: Checker, value: Any) -> Limits:
    path: Path = ("limits",)
    allowed = ("max_in_flight", "max_workers", "lag_tolerance", "max_dropped", "max_late", "drain", "max_cost_usd",
               "allowed_hosts", "max_rate", "max_duration", "min_workers")
    lim = c.mapping(path, value, allowed)
    defaults, health = Limits(), HealthLimits()
    in_flight = c.number(path + ("max_in_flight",), lim.get("max_in_flight", defaults.max_in_flight), 1,
                         defaults.max_in_flight, integer=True)
    workers = c.number(path + ("max_workers",), lim.get("max_workers", defaults.max_workers), 1,
                       defaults.max_workers, integer=True)
    lag_s = c.convert(path + ("lag_tolerance",), lim.get("lag_tolerance", "50ms"), parse_duration_s, 0.05)
    dropped = c.convert(path + ("max_dropped",), lim.get("max_dropped", health.max_dropped_share), parse_share,
                        health.max_dropped_share)
    late = c.convert(path + ("max_late",), lim.get("max_late", health.max_late_share), parse_share,
                     health.max_late_share)
    drain_s = c.convert(path + ("drain",), lim.get("drain", "10s"), parse_duration_s, 10.0)
    max_cost = c.number(path + ("max_cost_usd",), lim["max_cost_usd"], 0, 0.0) if "max_cost_usd" in lim else None
    hosts = lim.get("allowed_hosts", [])
    if not isinstance(hosts, list) or not all(isinstance(h, str) and h for h in hosts):
        c.problem(path + ("allowed_hosts",), "must be a list of host names (globs allowed), e.g. [api.staging.example.com]")
        hosts = []
    max_rate = c.convert(path + ("max_rate",), lim["max_rate"], parse_rate_per_s, 0.0) if "max_rate" in lim else None
    max_duration = c.convert(path + ("max_duration",), lim["max_duration"], parse_duration_s, 0.0) \
        if "max_duration" in lim else None
    min_workers = c.convert(path + ("min_workers",), lim.get("min_workers", "100%"), parse_share, 1.0)
    return Limits(int(in_flight), HealthLimits(dropped, late, lag_s * 1000, min_workers), int(workers), drain_s,
                  max_cost, tuple(hosts), max_rate, max_duration, min_workers)
