"""Spec rules for thresholds (client, target, regression, abort), the aws section and limits."""
from __future__ import annotations

import difflib
from typing import Any

from analysis.abort import AbortRule
from analysis.regression import parse_regression
from analysis.target import HttpApi, RestApi, TargetResources
from analysis.target_thresholds import parse_target_threshold
from analysis.thresholds import Threshold, parse_threshold
from analysis.verdict import HealthLimits
from runner.spec.checker import Checker, kind_of
from runner.spec.model import (
    AwsWatch,
    Limits,
    Phase,
    Scenario,
)
from runner.spec.yamlsource import Path
from runner.units import parse_duration_s, parse_rate_per_s, parse_share, parse_size_bytes

THRESHOLD_KEYS = ("check", "severity", "endpoint", "exclude_statuses", "abort", "for", "after", "phase", "region")
SEVERITIES = ("must", "should")
AWS_KEYS = ("region", "stack", "resources", "settle")
AWS_RESOURCE_KEYS = ("lambda", "dynamodb", "apigateway")
API_KEYS = ("name", "id", "stage")
LIMIT_KEYS = ("max_in_flight", "max_workers", "lag_tolerance", "max_dropped", "max_late", "drain", "max_cost_usd",
              "allowed_hosts", "max_rate", "max_duration", "min_workers", "max_connections", "max_body", "max_endpoints")


def thresholds_from(c: Checker, value: Any, scenarios: tuple[Scenario, ...], aborts: list[AbortRule],
                    phases: tuple[Phase, ...] = ()) -> tuple[Threshold, ...]:
    path: Path = ("thresholds",)
    if not isinstance(value, list):
        c.problem(path, f"must be a list of thresholds such as 'p95 < 500ms', got {kind_of(value)}")
        return ()
    endpoints = [step.name for s in scenarios for step in s.requests]
    thresholds: list[Threshold] = []
    for i, raw in enumerate(value):
        threshold = _threshold(c, path + (i,), {"check": raw} if isinstance(raw, str) else raw, endpoints, phases)
        if threshold is None:
            continue
        thresholds.append(threshold[0])
        abort = _abort_rule(c, path + (i,), threshold[1], threshold[0])
        if abort is not None:
            aborts.append(abort)
    return tuple(thresholds)


def _threshold(c: Checker, here: Path, raw: Any, endpoints: list[str],
               phases: tuple[Phase, ...]) -> tuple[Threshold, dict[str, Any]] | None:
    """One threshold, and its mapping (for its abort rule); None when its check cannot be read."""
    t = c.mapping(here, raw, THRESHOLD_KEYS, required=("check",))
    if "check" not in t:
        return None
    text = c.text(here + ("check",), t["check"], "")
    try:
        metric, percentile, op, limit, target_ref, regression_ref = _check(c, here, t, text)
    except ValueError as error:
        c.problem(here + ("check",) if "severity" in t or "endpoint" in t else here, str(error))
        return None
    severity = t.get("severity", "must")
    if severity not in SEVERITIES:
        c.problem(here + ("severity",), f"must be 'must' (fails the run) or 'should' (warns), got {kind_of(severity)}")
    endpoint = t.get("endpoint")
    if endpoint is not None and endpoint not in endpoints:
        close = difflib.get_close_matches(str(endpoint), endpoints, n=1, cutoff=0.5)
        c.problem(here + ("endpoint",), f"no request is named '{endpoint}'" +
                  (f" (did you mean '{close[0]}'?)" if close else f" (names: {', '.join(dict.fromkeys(endpoints))})"))
    excluded = t.get("exclude_statuses", [])
    if not isinstance(excluded, list) or not all(isinstance(x, int) for x in excluded):
        c.problem(here + ("exclude_statuses",), "must be a list of status codes, e.g. [429]")
        excluded = []
    phase, window = _phase_window(c, here, t, phases, metric)
    region = c.text(here + ("region",), t["region"], "") or None if "region" in t else None
    return Threshold(text.strip(), metric, percentile, op, limit, None if endpoint is None else str(endpoint),
                     str(severity), tuple(excluded), target_ref, regression_ref, phase, window, region), t


def _check(c: Checker, here: Path, t: dict[str, Any], text: str) -> tuple[str, float | None, str, float, Any, Any]:
    """(metric, percentile, op, limit, the target's metric, the regression): a regression
    against the baseline, one of the target's CloudWatch metrics (aws.*), or a measured one."""
    if " regression " in f" {text} ":
        regression_ref, op, limit = parse_regression(text)
        return "regression", None, op, limit, None, regression_ref
    if text.strip().startswith("aws."):
        target_ref, op, limit = parse_target_threshold(text)
        if "endpoint" in t:
            c.problem(here + ("endpoint",), "an aws.* threshold names its resource in brackets, "
                      "e.g. aws.lambda[my-fn].throttles == 0")
        return "aws", None, op, limit, target_ref, None
    metric, percentile, op, limit = parse_threshold(text)
    return metric, percentile, op, limit, None, None


def _abort_rule(c: Checker, here: Path, t: dict[str, Any], threshold: Threshold) -> AbortRule | None:
    """`abort: true` (with `for` and `after`): the threshold judged each second, ending the run."""
    if t.get("abort") is True:
        if threshold.metric in ("aws", "regression", "rps", "requests", "errors"):
            c.problem(here + ("abort",), f"abort rules judge each second of the run: use latency percentiles or "
                      f"error_rate, not {threshold.metric}")
            return None
        for_s = c.convert(here + ("for",), t.get("for", "0s"), parse_duration_s, 0.0)
        after_s = c.convert(here + ("after",), t.get("after", "0s"), parse_duration_s, 0.0)
        return AbortRule(threshold, for_s, after_s)
    if "abort" in t and t["abort"] is not False:
        c.problem(here + ("abort",), f"must be true or false, got {kind_of(t['abort'])}")
    elif "for" in t or "after" in t:
        c.problem(here, "'for' and 'after' go with 'abort: true'")
    return None


def _phase_window(c: Checker, here: Path, t: dict[str, Any], phases: tuple[Phase, ...], metric: str) -> \
        tuple[str | None, tuple[float, float] | None]:
    """`phase: spike`: the threshold is judged over that phase's seconds only."""
    if "phase" not in t:
        return None, None
    name = str(t["phase"])
    offsets: dict[str, tuple[float, float]] = {}
    start_s = 0.0
    for phase in phases:
        offsets[phase.name] = (start_s, start_s + phase.duration_s)
        start_s += phase.duration_s
    if name not in offsets:
        c.problem(here + ("phase",), f"no phase named '{name}' (phases: {', '.join(offsets) or 'none'})")
        return None, None
    if metric in ("aws", "regression") or "endpoint" in t or t.get("abort") is True:
        c.problem(here + ("phase",), "a phase threshold judges every request of that phase's seconds: latency, "
                                     "error_rate, errors, requests or rps, without endpoint or abort")
        return None, None
    return name, offsets[name]


SETTLE_MAX_S = 480.0  # the collect function's timeout (600 s) less time to merge and report


def aws_from(c: Checker, value: Any) -> AwsWatch | None:
    path: Path = ("aws",)
    a = c.mapping(path, value, AWS_KEYS)
    if not a:
        return None
    region = c.text(path + ("region",), a["region"]) if "region" in a else None
    stack = c.text(path + ("stack",), a["stack"]) if "stack" in a else None
    settle_s = c.convert(path + ("settle",), a.get("settle", "3m"), parse_duration_s, 180.0)
    if settle_s > SETTLE_MAX_S:
        c.problem(path + ("settle",), f"at most {SETTLE_MAX_S / 60:g}m (the collect function has 10 minutes to wait "
                                      f"for the metrics, merge and write the reports)")
        settle_s = SETTLE_MAX_S
    res = c.mapping(path + ("resources",), a.get("resources", {}), AWS_RESOURCE_KEYS)

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
        entry = c.mapping(here, api, API_KEYS, required=("stage",))
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


def limits_from(c: Checker, value: Any) -> Limits:
    path: Path = ("limits",)
    lim = c.mapping(path, value, LIMIT_KEYS)
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
    connections = c.number(path + ("max_connections",), lim["max_connections"], 1, 1024, integer=True) \
        if "max_connections" in lim else None
    max_body = c.convert(path + ("max_body",), lim.get("max_body", defaults.max_body_bytes), parse_size_bytes,
                         defaults.max_body_bytes)
    endpoints = c.number(path + ("max_endpoints",), lim.get("max_endpoints", defaults.max_endpoints), 1,
                         defaults.max_endpoints, integer=True)
    return Limits(int(in_flight), HealthLimits(dropped, late, lag_s * 1000, min_workers), int(workers), drain_s,
                  max_cost, tuple(hosts), max_rate, max_duration, min_workers,
                  int(connections) if connections is not None else None, int(max_body), int(endpoints))
