"""JSON Schemas for specs and suites, for editors (VS Code's YAML extension, JetBrains): completion,
hover text and checking as you type.

Built from the rules `validate` applies: every map's keys are the very tuples the rules check
(tests/unit/runner/spec/test_schema.py records each rule's keys while specs are validated and compares
them with the schema), and the duration, rate and share formats are the parsers' own patterns.
The schema checks shape; `squall validate` also checks what shape cannot say (a capture used
before it is made, a threshold naming an unknown request, a CSV file's columns).

    # yaml-language-server: $schema=squall.schema.json      (squall schema > squall.schema.json)
"""
from __future__ import annotations

from typing import Any

from runner.spec.flow_rules import (
    CAPTURE_KEYS,
    EXPECT_KEYS,
    LOOP_KEYS,
    METHODS,
    REQUEST_KEYS,
    SCENARIO_KEYS,
    USER_CLASS_KEYS,
)
from runner.spec.profiles import PROFILE_KEYS
from runner.spec.suite import SUITE_KEYS, SUITE_TEST_KEYS
from runner.spec.threshold_rules import (
    API_KEYS,
    AWS_KEYS,
    AWS_RESOURCE_KEYS,
    LIMIT_KEYS,
    SEVERITIES,
    THRESHOLD_KEYS,
)
from runner.spec.validate import (
    ARRIVALS,
    DATA_ORDERS,
    DATA_SET_KEYS,
    LOAD_KEYS,
    LOCUST_KEYS,
    MAX_USERS,
    PHASE_KEYS,
    TARGET_KEYS,
    TOP_KEYS,
)
from runner.units import (
    DURATION_PATTERN,
    DURATION_RANGE_PATTERN,
    MAX_DURATION_S,
    MAX_RATE_PER_S,
    RATE_PATTERN,
    SHARE_PATTERN,
    SIZE_PATTERN,
)

DIALECT = "https://json-schema.org/draft/2020-12/schema"

# Hover text, by the rule's map and key
HELP: dict[str, str] = {
    "name": "The run's name (default: the file's name)",
    "target": "Where the load goes: a URL, or {url, headers, timeout, verify_tls, http2, cookies}",
    "load": "What load to send: phases, one after another",
    "scenarios": "Weighted multi-step flows; each arrival (or user iteration) runs one",
    "user_classes": "Closed-model users, as Locust's User classes: tasks with weights, wait or pacing, on_start",
    "locust": "Run a locustfile's users instead of scenarios",
    "data": "Named data sets: an inline list or a CSV file; use them as {{ name }} or {{ name.column }}",
    "thresholds": "What must hold, e.g. 'p95 < 500ms', 'error_rate < 1%', 'aws.lambda[fn].throttles == 0'",
    "limits": "Guardrails: the generator's health limits, allowed hosts, caps on rate, duration and cost",
    "aws": "The target's AWS resources to watch in CloudWatch during the run",
    "regions": "Send the load from several AWS regions: {us-east-1: 60%, eu-west-1: 40%} (or a list: equal shares)",
    "profiles": "Variants of this spec selected with --load-profile NAME (or -e NAME)",
    "target.url": "The base URL; steps' URLs starting with / are relative to it",
    "target.headers": "Headers sent with every request",
    "target.timeout": "A request's timeout (default 10s)",
    "target.verify_tls": "Check the server's TLS certificate (default true)",
    "target.http2": "HTTP/2 (the httpx engine only)",
    "target.cookies": "Each user keeps a cookie jar (default true)",
    "load.phases": "The phases, in order",
    "load.arrivals": "Open-model arrival times: evenly spaced (constant, default) or a Poisson process",
    "phase.name": "The phase's name (thresholds may judge one phase)",
    "phase.duration": "How long the phase lasts: 90s, 5m, 1h, 4m30s",
    "phase.rate": "Open model: arrivals per second (100/s, 6000/min)",
    "phase.ramp_to": "Ramp linearly from rate (or users) to this by the phase's end",
    "phase.users": "Closed model: this many concurrent users",
    "phase.spawn_rate": "New users started per second, up to 'users'",
    "phase.iterations": "Each user runs this many iterations, then the phase ends",
    "phase.pause": "A phase without load",
    "scenario.name": "The scenario's name",
    "scenario.weight": "Its share of arrivals, relative to the other scenarios' weights (default 1)",
    "scenario.flow": "Its steps: get/post/put/patch/delete/head/options, request, think, loop",
    "scenario.tags": "Words --tags and --exclude-tags select by",
    "request.url": "A path relative to target.url, or an absolute URL; may use {{ variables }}",
    "request.method": "The HTTP method",
    "request.name": "The endpoint's name in reports and thresholds (default: METHOD URL)",
    "request.json": "A JSON body (any value; strings may use {{ variables }})",
    "request.form": "A form-encoded body",
    "request.expect": "Expected status (200, [200, 404]) or checks {status, content_type, json, has, header}",
    "request.capture": "Values to keep from the response: {json: $.id, as: id} or {header: Location, as: loc}",
    "request.timeout": "This request's timeout (default: target.timeout)",
    "threshold.check": "The condition, e.g. 'p95 < 500ms'",
    "threshold.severity": "must (fails the run, default) or should (warns)",
    "threshold.endpoint": "Judge one request (by its name) only",
    "threshold.abort": "Stop the run as soon as a second breaks it",
    "threshold.for": "With abort: how long it must be broken first",
    "threshold.after": "With abort: not in the run's first seconds",
    "threshold.phase": "Judge one phase's seconds only",
    "threshold.region": "In a run across regions: judge this region's requests only",
}


def _described(schema: dict[str, Any], key: str) -> dict[str, Any]:
    return {**schema, "description": HELP[key]} if key in HELP else schema


def _map(keys: tuple[str, ...], properties: dict[str, Any], required: tuple[str, ...] = (), help_prefix: str = "",
         **extra: Any) -> dict[str, Any]:
    """A map with exactly the rule's keys: each one described by ``properties`` (a missing one is a
    bug this raises on), nothing else allowed."""
    missing = [key for key in keys if key not in properties]
    if missing or set(properties) - set(keys):
        raise KeyError(f"schema and rule disagree: {missing or sorted(set(properties) - set(keys))}")
    described = {key: _described(properties[key], f"{help_prefix}{key}") for key in keys}
    schema: dict[str, Any] = {"type": "object", "properties": described, "additionalProperties": False}
    if required:
        schema["required"] = list(required)
    return {**schema, **extra}


def _either(*schemas: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": list(schemas)}


TEXT = {"type": "string", "minLength": 1}
WORDS = {"type": "array", "items": TEXT}
BOOLEAN = {"type": "boolean"}
PLAIN = {"type": ["string", "number", "boolean"]}
PAIRS = {"type": "object", "additionalProperties": PLAIN}
HEADERS = {"type": "object", "additionalProperties": PLAIN, "propertyNames": {"pattern": r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$"}}
DURATION = _either({"type": "number", "minimum": 0, "maximum": MAX_DURATION_S},
                   {"type": "string", "pattern": DURATION_PATTERN})
DURATION_RANGE = _either({"type": "number", "minimum": 0, "maximum": MAX_DURATION_S},
                         {"type": "string", "pattern": DURATION_RANGE_PATTERN})
RATE = _either({"type": "number", "minimum": 0, "maximum": MAX_RATE_PER_S}, {"type": "string", "pattern": RATE_PATTERN})
SHARE = _either({"type": "number", "minimum": 0, "maximum": 1}, {"type": "string", "pattern": SHARE_PATTERN})
USERS = {"type": "integer", "minimum": 0, "maximum": MAX_USERS}
WEIGHT = {"type": "number", "minimum": 0}
STATUS = {"type": "integer", "minimum": 100, "maximum": 599}
WHOLE = {"type": "integer", "minimum": 1}


def _target() -> dict[str, Any]:
    url = {"type": "string", "pattern": "^(https?://|\\{\\{)"}
    return _either(url, _map(TARGET_KEYS, {
        "url": url, "headers": HEADERS, "timeout": DURATION, "verify_tls": BOOLEAN, "http2": BOOLEAN, "cookies": BOOLEAN,
    }, required=("url",), help_prefix="target."))


def _phase() -> dict[str, Any]:
    return _map(PHASE_KEYS, {
        "name": TEXT, "duration": DURATION, "rate": RATE, "ramp_to": _either(RATE, USERS), "users": USERS,
        "spawn_rate": RATE, "iterations": WHOLE, "pause": {"const": True},
    }, help_prefix="phase.", oneOf=[{"required": ["rate"]}, {"required": ["users"]}, {"required": ["pause"]}],
        anyOf=[{"required": ["duration"]}, {"required": ["iterations"]}])


def _request(with_method: bool) -> dict[str, Any]:
    keys = REQUEST_KEYS + (("method",) if with_method else ())
    capture = _map(CAPTURE_KEYS, {"json": TEXT, "header": TEXT, "as": TEXT}, required=("as",),
                   oneOf=[{"required": ["json"]}, {"required": ["header"]}])
    expect_map = _map(EXPECT_KEYS, {
        "status": _either(STATUS, {"type": "array", "items": STATUS, "minItems": 1}), "content_type": TEXT,
        "json": {"type": "object"}, "has": _either(TEXT, WORDS), "header": PAIRS,
    })
    properties: dict[str, Any] = {
        "url": TEXT, "name": TEXT, "headers": HEADERS, "query": PAIRS, "json": {}, "form": PAIRS,
        "expect": _either(STATUS, {"type": "array", "items": STATUS, "minItems": 1}, expect_map),
        "capture": _either(capture, {"type": "array", "items": capture}), "timeout": DURATION, "cookies": PAIRS,
    }
    if with_method:
        properties["method"] = {"type": "string", "enum": [m for m in METHODS] + [m.upper() for m in METHODS]}
    request = _map(keys, properties, required=("url", "method") if with_method else ("url",), help_prefix="request.")
    return request if with_method else _either(TEXT, request)


def _step_kinds() -> dict[str, Any]:
    kinds: dict[str, Any] = {method: {"$ref": "#/$defs/request"} for method in METHODS}
    kinds["request"] = {"$ref": "#/$defs/request_with_method"}
    kinds["think"] = {**DURATION_RANGE, "description": "Wait: 500ms, or a range 1s..3s (uniform)"}
    kinds["loop"] = {"$ref": "#/$defs/loop"}
    return kinds


def _loop() -> dict[str, Any]:
    return _map(LOOP_KEYS, {
        "count": WHOLE, "over": {"type": "array"}, "as": TEXT, "until": {"type": "object", "minProperties": 1,
                                                                        "maxProperties": 1},
        "flow": {"$ref": "#/$defs/flow"},
    }, required=("flow",))


def _scenario() -> dict[str, Any]:
    return _map(SCENARIO_KEYS, {"name": TEXT, "weight": WEIGHT, "flow": {"$ref": "#/$defs/flow"}, "tags": WORDS},
                required=("flow",), help_prefix="scenario.")


def _user_class() -> dict[str, Any]:
    return _map(USER_CLASS_KEYS, {
        "name": TEXT, "weight": WEIGHT, "tasks": _either({"type": "object", "additionalProperties": WEIGHT,
                                                          "minProperties": 1}, {**WORDS, "minItems": 1}),
        "wait": DURATION_RANGE, "pacing": DURATION, "on_start": TEXT, "headers": HEADERS, "tags": WORDS,
    }, required=("name", "tasks"))


def _threshold() -> dict[str, Any]:
    return _either(TEXT, _map(THRESHOLD_KEYS, {
        "check": TEXT, "severity": {"enum": list(SEVERITIES)}, "endpoint": TEXT,
        "exclude_statuses": {"type": "array", "items": {"type": "integer"}}, "abort": BOOLEAN,
        "for": DURATION, "after": DURATION, "phase": TEXT, "region": TEXT,
    }, required=("check",), help_prefix="threshold."))


def _aws() -> dict[str, Any]:
    api = _map(API_KEYS, {"name": TEXT, "id": TEXT, "stage": TEXT}, required=("stage",),
               oneOf=[{"required": ["name"]}, {"required": ["id"]}])
    resources = _map(AWS_RESOURCE_KEYS, {"lambda": WORDS, "dynamodb": WORDS, "apigateway": {"type": "array",
                                                                                           "items": api}})
    return _map(AWS_KEYS, {"region": TEXT, "stack": TEXT, "resources": resources, "settle": DURATION})


def _limits() -> dict[str, Any]:
    whole = {"type": "integer", "minimum": 1}
    return _map(LIMIT_KEYS, {
        "max_in_flight": whole, "max_workers": whole, "lag_tolerance": DURATION, "max_dropped": SHARE,
        "max_late": SHARE, "drain": DURATION, "max_cost_usd": {"type": "number", "minimum": 0},
        "allowed_hosts": WORDS, "max_rate": RATE, "max_duration": DURATION, "min_workers": SHARE,
        "max_connections": whole, "max_body": {"oneOf": [whole, {"type": "string", "pattern": SIZE_PATTERN}]},
        "max_endpoints": whole,
    })


def _data() -> dict[str, Any]:
    values = {"type": "array", "minItems": 1}
    data_set = _map(DATA_SET_KEYS, {"values": values, "csv": TEXT, "order": {"enum": list(DATA_ORDERS)}},
                    oneOf=[{"required": ["values"]}, {"required": ["csv"]}])
    return {"type": "object", "additionalProperties": _either(values, data_set)}


def _top_level() -> dict[str, Any]:
    return {
        "name": TEXT, "target": _target(),
        "load": _map(LOAD_KEYS, {"phases": {"type": "array", "items": _phase(), "minItems": 1},
                                 "arrivals": {"enum": list(ARRIVALS)}}, required=("phases",), help_prefix="load."),
        "scenarios": {"type": "array", "items": _scenario(), "minItems": 1},
        "user_classes": {"type": "array", "items": _user_class(), "minItems": 1},
        "locust": _map(LOCUST_KEYS, {"file": TEXT, "classes": WORDS, "tags": WORDS, "exclude_tags": WORDS,
                                     "shape": TEXT, "inlined": {"type": "string"}, "options": WORDS},
                       required=("file",)),
        "data": _data(), "thresholds": {"type": "array", "items": _threshold()}, "limits": _limits(), "aws": _aws(),
        "regions": _either({"type": "object", "additionalProperties": _either(
                               {"type": "number", "exclusiveMinimum": 0, "maximum": 100},
                               {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*%?\s*$"})},
                           {"type": "array", "items": TEXT, "minItems": 1}),
    }


def spec_schema() -> dict[str, Any]:
    top = _top_level()
    profile = _map(PROFILE_KEYS, {key: top[key] for key in PROFILE_KEYS})
    properties = {**top, "profiles": {"type": "object", "additionalProperties": profile}}
    document = _map(TOP_KEYS + ("profiles",), properties, required=("target", "load"),
                    anyOf=[{"required": ["scenarios"]}, {"required": ["locust"]}])
    flow = {"type": "array", "minItems": 1,
            "items": {"type": "object", "minProperties": 1, "maxProperties": 1, "properties": _step_kinds(),
                      "additionalProperties": False}}
    return {"$schema": DIALECT, "$id": "squall.schema.json", "title": "Squall spec",
            "description": "A Squall load test: what load to send, what must hold, what to watch",
            **document,
            "$defs": {"flow": flow, "request": _request(False), "request_with_method": _request(True),
                      "loop": _loop()}}


def suite_schema() -> dict[str, Any]:
    words = _either(TEXT, WORDS)
    test = _either(TEXT, _map(SUITE_TEST_KEYS, {
        "spec": TEXT, "name": TEXT, "load_profile": TEXT, "set": {"type": "array", "items": {"type": "string"}},
        "tags": words, "exclude_tags": words,
    }, required=("spec",)))
    return {"$schema": DIALECT, "$id": "squall-suite.schema.json", "title": "Squall suite",
            "description": "Several specs run one after another, with one summary and one exit code",
            **_map(SUITE_KEYS, {"suite": TEXT, "tests": {"type": "array", "items": test, "minItems": 1}},
                   required=SUITE_KEYS)}
