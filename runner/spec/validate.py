"""Turn parsed YAML into a ``Spec``, collecting every problem at once.

Each problem names file, line, field path, what is wrong and a hint:
``quickstart.yaml:14: load.phases[2].rate: must be > 0, got -5``.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path as FilePath
from typing import Any

from analysis.abort import AbortRule
from analysis.regions import parse_shares
from analysis.thresholds import Threshold, parse_threshold
from runner.datafiles import DataFileError, csv_rows, locate, read_text
from runner.spec.checker import Checker, SpecError, kind_of
from runner.spec.flow_rules import (
    check_scenario_weights,
    header_pairs,
    on_start_captures,
    scenarios_from,
    url_problem,
    user_classes_from,
)
from runner.spec.model import (
    DataSet,
    Limits,
    LocustSource,
    Phase,
    Spec,
    Target,
)
from runner.spec.threshold_rules import aws_from, limits_from, thresholds_from
from runner.spec.yamlsource import Path, Source
from runner.templating import SECRET, Template, unknown_built_in
from runner.units import format_duration, parse_duration_s, parse_rate_per_s

DEFAULT_THRESHOLD = "error_rate < 1%"
TOP_KEYS = ("name", "target", "load", "scenarios", "user_classes", "locust", "data", "thresholds", "limits", "aws",
            "regions")
TARGET_KEYS = ("url", "headers", "timeout", "verify_tls", "http2", "cookies")
LOAD_KEYS = ("phases", "arrivals")
ARRIVALS = ("constant", "poisson")
PHASE_KEYS = ("name", "duration", "rate", "ramp_to", "users", "spawn_rate", "iterations", "pause")
LOCUST_KEYS = ("file", "classes", "tags", "exclude_tags", "shape", "inlined", "options")
DATA_SET_KEYS = ("values", "csv", "order")
DATA_ORDERS = ("random", "sequence")


def own_limit_problems(c: Checker, phases: tuple[Phase, ...], limits: Limits) -> None:
    """The spec's own limits.max_rate and max_duration hold for its phases (validate, plan and run
    refuse alike, at the limit's line; before, only run refused, unlocated)."""
    peak_per_s = max((p.peak for p in phases if p.kind == "rate"), default=0.0)
    if limits.max_rate_per_s is not None and peak_per_s > limits.max_rate_per_s:
        c.problem(("limits", "max_rate"), f"the phases' peak rate {peak_per_s:g}/s is over {limits.max_rate_per_s:g}/s "
                  f"(lower the phases' rates, or raise the limit)")
    duration_s = sum(p.duration_s for p in phases)
    if limits.max_duration_s is not None and duration_s > limits.max_duration_s:
        c.problem(("limits", "max_duration"), f"the phases last {format_duration(duration_s)}, over "
                  f"{format_duration(limits.max_duration_s)} (shorten them, or raise the limit)")


# complexity: the spec's top-level keys in the order docs/spec.md lists them, each a call
def build_spec(source: Source, base_dir: FilePath | None, data_root: FilePath | None = None) -> Spec:
    """``base_dir``: where CSV data files are read from (under it, or under ``data_root``); None where
    no files can be read (AWS)."""
    c = Checker(source)
    document = source.data if source.data is not None else {}
    locust_run = isinstance(document, dict) and "locust" in document
    top = c.mapping((), document, TOP_KEYS, required=("target", "load") if locust_run else ("target", "load", "scenarios"))
    name = c.text(("name",), top["name"], "run") if "name" in top else FilePath(source.file).stem
    # A missing section is reported once (above), not again for each key it lacks.
    target = _target(c, top["target"]) if "target" in top else Target("http://127.0.0.1")
    phases, arrivals = _load(c, top["load"]) if "load" in top else ((), "constant")
    data = _data(c, top.get("data", {}), base_dir, data_root)
    locust = _locust(c, top["locust"], phases, base_dir) if "locust" in top else None
    user_defined = on_start_captures(top.get("scenarios"), top.get("user_classes"))
    scenarios = scenarios_from(c, top["scenarios"], data, user_defined) if "scenarios" in top else ()
    _check_target_headers(c, target, data)
    _check_unique_names(c, top.get("scenarios"))
    classes = user_classes_from(c, top["user_classes"], scenarios, data) if "user_classes" in top else ()
    if locust is None:
        check_scenario_weights(c, scenarios, any(p.kind == "rate" for p in phases), bool(classes))
    if classes and not any(p.kind == "users" for p in phases):
        c.problem(("user_classes",), "user classes run in closed-model phases (users: N); this spec has none")
    aborts: list[AbortRule] = []
    thresholds = thresholds_from(c, top.get("thresholds", []), scenarios, aborts, phases)
    notes: tuple[str, ...] = ()
    if top.get("thresholds") == [] and not c.problems:  # written empty: no gate, on purpose (an Artillery script)
        notes = ("no thresholds (thresholds: [], or an Artillery script without ensure): the run passes whatever its "
                 "error rate and latency, as Artillery does; the summary still shows them",)
    elif not top.get("thresholds") and not c.problems:
        # A CI gate must not pass at 100 % errors (Locust fails a run with failures by default).
        thresholds = (Threshold(DEFAULT_THRESHOLD, *parse_threshold(DEFAULT_THRESHOLD)),)
        notes = (f"the spec has no thresholds: the default '{DEFAULT_THRESHOLD}' applies",)
    limits = limits_from(c, top.get("limits", {}))
    own_limit_problems(c, phases, limits)
    aws = aws_from(c, top["aws"]) if "aws" in top else None
    regions = _regions(c, top.get("regions"), thresholds)
    if aws is None and any(t.target is not None for t in thresholds):
        c.problem(("thresholds",), "aws.* thresholds need an 'aws' section naming the resources to watch")
    if c.problems:
        raise SpecError(sorted(c.problems, key=lambda p: p.line))
    return Spec(name=name, file=source.file, target=target, phases=phases, scenarios=scenarios,
                data=data, thresholds=thresholds, abort_rules=tuple(aborts), limits=limits, arrivals=arrivals,
                raw=source.data, aws=aws, notes=notes, user_classes=classes, locust=locust, regions=regions)


def _regions(c: Checker, value: Any, thresholds: tuple[Threshold, ...]) -> tuple[tuple[str, float], ...]:
    """Where the load comes from (runner.aws.regions): each region and its share; the regions a
    threshold names must be among them."""
    shares: dict[str, float] = {}
    if value is not None:
        try:
            shares = parse_shares(value)
        except ValueError as error:
            c.problem(("regions",), f"{error} (e.g. regions: {{us-east-1: 60%, eu-west-1: 40%}})")
            return ()
    for index, threshold in enumerate(thresholds):
        if threshold.region is not None and threshold.region not in shares:
            c.problem(("thresholds", index, "region"),
                      f"names {threshold.region}, which is not one of the run's regions"
                      + (f" ({', '.join(shares)})" if shares else " (the spec has no 'regions', and --regions names them)"))
    return tuple(shares.items())


def _check_target_headers(c: Checker, target: Target, data: tuple[DataSet, ...]) -> None:
    """The target's headers go with every request, the first of each scenario included: they may use
    data, secrets and built-ins, never a capture (every request failed as "capture failed")."""
    known = {d.name for d in data} | {f"{d.name}.{col}" for d in data for row in d.rows[:1]
                                      if isinstance(row, dict) for col in row}
    for name, header in target.headers:
        for variable in header.variables if isinstance(header, Template) else ():
            if variable.startswith("$") or SECRET.match(variable) or variable in known or \
                    variable.split(".")[0] in c.unread_data:
                continue
            c.problem(("target", "headers", name), f"uses '{{{{ {variable} }}}}', which no data set defines: the "
                                                    f"target's headers go with every request, before any capture "
                                                    f"(put a captured header on the steps after the capture)")


def _check_unique_names(c: Checker, raw_scenarios: Any) -> None:
    """Two scenarios of one name would merge their counts and their thresholds."""
    seen: set[str] = set()
    for i, raw in enumerate(raw_scenarios if isinstance(raw_scenarios, list) else []):
        name = raw.get("name") if isinstance(raw, dict) else None
        if isinstance(name, str) and name in seen:
            c.problem(("scenarios", i, "name"), f"'{name}' names another scenario too: each scenario needs its own name")
        seen.add(str(name))


def _target(c: Checker, value: Any) -> Target:
    path: Path = ("target",)
    if isinstance(value, str):
        value = {"url": value}
    t = c.mapping(path, value, TARGET_KEYS, required=("url",))
    url = c.text(path + ("url",), t.get("url", "http://127.0.0.1"), "http://127.0.0.1")
    problem = url_problem(url)
    if problem:
        c.problem(path + ("url",), f"'{url}': {problem}")
    headers = header_pairs(c, path + ("headers",), t.get("headers", {}))
    for name, header in headers:  # the target's headers go with every request: built-ins checked here
        for variable in header.variables if isinstance(header, Template) else ():
            why = unknown_built_in(variable) if variable.startswith("$") else None
            if why:
                c.problem(path + ("headers", name), f"'{{{{ {variable} }}}}': {why}")
    timeout_s = c.convert(path + ("timeout",), t.get("timeout", "10s"), parse_duration_s, 10.0)
    if timeout_s <= 0:
        c.problem(path + ("timeout",), "must be > 0 (e.g. 10s)")
    verify = t.get("verify_tls", True)
    http2 = t.get("http2", False)
    cookies = t.get("cookies", True)
    for key, flag in (("verify_tls", verify), ("http2", http2), ("cookies", cookies)):
        if not isinstance(flag, bool):
            c.problem(path + (key,), f"must be true or false, got {kind_of(flag)}")
    return Target(url.rstrip("/"), headers, timeout_s, verify is not False, http2 is True, cookies is not False)


def _load(c: Checker, value: Any) -> tuple[tuple[Phase, ...], str]:
    path: Path = ("load",)
    load = c.mapping(path, value, LOAD_KEYS, required=("phases",))
    arrivals = load.get("arrivals", "constant")
    if arrivals not in ARRIVALS:
        c.problem(path + ("arrivals",), f"must be 'constant' or 'poisson', got {kind_of(arrivals)}")
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


# complexity: a phase's keys (duration, rate, users, ramp, iterations…), each checked with its own message
def _phase(c: Checker, path: Path, value: Any, index: int) -> Phase | None:
    p = c.mapping(path, value, PHASE_KEYS,
                  required=() if isinstance(value, dict) and "iterations" in value else ("duration",))
    if not p:
        return None
    name = c.text(path + ("name",), p["name"]) if "name" in p else f"phase-{index + 1}"
    before = len(c.problems)
    # a phase of N iterations (hey -n) ends when they are done: its duration, if any, is only a cap
    duration_s = c.convert(path + ("duration",), p.get("duration", ITERATIONS_CAP_S if "iterations" in p else 0),
                           parse_duration_s, 0.0)
    if "duration" in p and duration_s <= 0 and len(c.problems) == before:  # a value it could not read is said once
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
    spawn_rate = None
    if "spawn_rate" in p:
        if kind != "users":
            c.problem(path + ("spawn_rate",), "only a users phase has a spawn rate (new users started per second)")
        elif "ramp_to" in p:
            c.problem(path + ("spawn_rate",), "has both 'ramp_to' and 'spawn_rate': a spawn rate starts users from 0 "
                                               "up to 'users', at that many a second")
        else:
            before = len(c.problems)
            spawn_rate = c.convert(path + ("spawn_rate",), p["spawn_rate"], parse_rate_per_s, 0.0) or None
            if spawn_rate is None and len(c.problems) == before:
                c.problem(path + ("spawn_rate",), f"must be > 0, got {p['spawn_rate']}")
    iterations = None
    if "iterations" in p:
        if kind != "users":
            c.problem(path + ("iterations",), "only a users phase has a number of iterations (for a fixed number of "
                                              "arrivals, set the rate: arrivals / duration)")
        else:
            iterations = int(c.number(path + ("iterations",), p["iterations"], 1, 1, integer=True))
    return Phase(name, duration_s, kind, start, end, spawn_rate, iterations)


# complexity: the locust section's keys, each checked with its own message
def _locust(c: Checker, value: Any, phases: tuple[Phase, ...], base_dir: FilePath | None) -> LocustSource | None:
    """`locust: {file: locustfile.py, classes: [...], tags: [...], exclude_tags: [...]}`: one users phase."""
    path: Path = ("locust",)
    lo = c.mapping(path, value, LOCUST_KEYS, required=("file",))
    if "file" not in lo:
        return None
    file = c.text(path + ("file",), lo["file"], "locustfile.py")
    inlined = lo.get("inlined")
    if inlined is not None and not isinstance(inlined, str):
        c.problem(path + ("inlined",), "is written by `squall run --on aws` (the locustfile's folder, zipped)")
        inlined = None
    if base_dir is not None and inlined is None:
        located = FilePath(file) if FilePath(file).is_absolute() else base_dir / file
        if not located.is_file():
            c.problem(path + ("file",), f"no such locustfile: {located}")
        file = str(located.resolve())
    shape = lo.get("shape")
    if shape is not None and not (isinstance(shape, str) and shape):
        c.problem(path + ("shape",), "must be the name of the file's LoadTestShape class")
        shape = None
    if shape is not None and any(p.kind not in ("users", "pause") for p in phases):
        c.problem(("load", "phases"), f"a locustfile run with a shape ({shape}) has users phases and pauses only (the "
                                      f"shape's stretches, as `squall run locustfile.py` plans them)")
    elif shape is None and (len(phases) != 1 or phases[0].kind != "users"):
        c.problem(("load", "phases"), "a locustfile run has one users phase (its -u users, -r spawn rate and "
                                      "-t run time)")
    words = {}
    for key in ("classes", "tags", "exclude_tags", "options"):
        items = lo.get(key, [])
        if not isinstance(items, list) or not all(isinstance(i, str) and i for i in items):
            c.problem(path + (key,), "must be a list of names")
            items = []
        words[key] = tuple(items)
    return LocustSource(file, words["classes"], words["tags"], words["exclude_tags"], inlined, shape, words["options"])


MAX_USERS = 1_000_000  # closed-model users a spec may ask for
ITERATIONS_CAP_S = 3600.0  # a phase of iterations with no duration stops at the latest after this


def _users(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"must be a whole number of users >= 0, got {kind_of(value)}")
    if value > MAX_USERS:
        raise ValueError(f"at most {MAX_USERS:,} users, got {value:,}")
    return float(value)


def _data(c: Checker, value: Any, base_dir: FilePath | None, data_root: FilePath | None = None) -> tuple[DataSet, ...]:
    path: Path = ("data",)
    if not isinstance(value, dict):
        c.problem(path, f"must be a map of data set names, got {kind_of(value)}")
        return ()
    sets: list[DataSet] = []
    for name, raw in value.items():
        here = path + (name,)
        if isinstance(raw, list):
            raw = {"values": raw}
        d = c.mapping(here, raw, DATA_SET_KEYS)
        if ("values" in d) == ("csv" in d):
            c.problem(here, "needs exactly one of 'values' (an inline list) or 'csv' (a file path)")
            continue
        order = d.get("order", "random")
        if order not in DATA_ORDERS:
            c.problem(here + ("order",), f"must be 'random' or 'sequence', got {kind_of(order)}")
        rows: tuple[Any, ...] = ()
        if "values" in d:
            if not isinstance(d["values"], list) or not d["values"]:
                c.problem(here + ("values",), "must be a non-empty list")
            else:
                rows = tuple(d["values"])
        else:
            rows = _csv_rows(c, here + ("csv",), d["csv"], base_dir, data_root)
            if not rows:
                c.unread_data.add(str(name))  # its columns' uses are not problems of their own
        sets.append(DataSet(name, rows, str(order)))
    return tuple(sets)


def _csv_rows(c: Checker, path: Path, value: Any, base_dir: FilePath | None,
              data_root: FilePath | None = None) -> tuple[Any, ...]:
    if base_dir is None:
        c.problem(path, "a CSV file cannot be read here (run it with the squall CLI, which inlines data, "
                  "or list the rows under 'values')")
        return ()
    try:
        file = locate(str(value), base_dir, data_root)
        table = csv_rows(read_text(file), str(value))
    except DataFileError as error:
        c.problem(path, str(error))
        return ()
    header, body = (table[0], table[1:]) if table else ([], [])
    rows = tuple({name: (row[i] if i < len(row) else None) for i, name in enumerate(header)} for row in body if row)
    if not rows:
        c.problem(path, f"'{value}' has a header but no rows")
    return rows
