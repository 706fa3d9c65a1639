"""Property tests: no generated spec or shard may end in a traceback. A spec is either valid
or a SpecError listing problems; a shard is either valid or a ValueError naming its key."""
from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from analysis.merge import merge_shards
from analysis.shard import Shard
from analysis.stats import EndpointStats, Window
from runner.spec import SpecError, parse_spec
from runner.store import LocalStore, read_shard, shard_bytes

KEYS = ["name", "target", "url", "load", "phases", "duration", "rate", "ramp_to", "users", "pause", "scenarios",
        "flow", "get", "post", "think", "json", "capture", "as", "weight", "thresholds", "check", "severity",
        "endpoint", "data", "values", "csv", "limits", "aws", "resources", "lambda", "expect", "tags", "headers"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                    st.text(max_size=12), st.sampled_from(["10s", "5/s", "p95 < 5s", "http://127.0.0.1:1", "/x",
                                                           "{{ x }}", "$.a", "-1", "1e999", "aws.lambda.throttles == 0"]))
documents = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=6)), inner,
                                                 max_size=5)), max_leaves=30)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None, derandomize=True)
@given(documents)
def test_any_document_is_a_spec_or_a_list_of_problems(document: Any) -> None:
    text = yaml.safe_dump(document)
    try:
        parse_spec(text, "gen.yaml", base_dir=Path("/nonexistent"))
    except SpecError as error:
        assert error.problems and all(str(p).startswith("gen.yaml") for p in error.problems)


@settings(max_examples=500, deadline=None, derandomize=True)
@given(st.text(max_size=200))
@example("=")  # found by this test in CI: YAML's !!value tag has no constructor
@example("\x1f")  # found by this test: a character the YAML reader refuses before parsing
def test_any_text_is_a_spec_or_a_list_of_problems(text: str) -> None:
    try:
        parse_spec(text, "gen.yaml", base_dir=Path("/nonexistent"))
    except SpecError as error:
        assert error.problems


def valid_shard_dict() -> dict[str, Any]:
    stats = EndpointStats(requests=3, responses=3, statuses={"200": 3})
    stats.latency.record(1000)
    return Shard("r", 0, 0, 0, {0: Window(endpoints={"GET /": stats})}, final=True).to_dict()


def mutate(value: Any, path: list[Any], replacement: Any) -> Any:
    if not path:
        return replacement
    head, rest = path[0], path[1:]
    if isinstance(value, dict) and value:
        key = list(value)[head % len(value)]
        return {**value, key: mutate(value[key], rest, replacement)}
    if isinstance(value, list) and value:
        index = head % len(value)
        return value[:index] + [mutate(value[index], rest, replacement)] + value[index + 1:]
    return replacement


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.integers(0, 10), max_size=6), documents)
def test_a_mutated_shard_is_valid_or_rejected_with_its_key(path: list[int], replacement: Any) -> None:
    data = mutate(valid_shard_dict(), path, replacement)
    try:
        shard = Shard.from_dict(data, "runs/r/shards/0/0/000000.json.gz")
    except ValueError as error:
        assert str(error).startswith("runs/r/shards/0/0/000000.json.gz")
        return
    merged = merge_shards([shard])  # a shard that parses must merge
    assert merged.overall.requests >= 0


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.binary(max_size=300))
def test_garbage_bytes_in_the_store_are_rejected_with_their_key(tmp_path_factory: Any, garbage: bytes) -> None:
    store = LocalStore(tmp_path_factory.mktemp("store"))
    store.put_bytes("runs/r/shards/0/0/000001.json.gz", garbage)
    try:
        read_shard(store, "runs/r/shards/0/0/000001.json.gz")
    except ValueError as error:
        assert str(error).startswith("runs/r/shards/0/0/000001.json.gz")


def test_a_malformed_shard_beside_good_ones_never_poisons_the_merge(tmp_path: Path) -> None:
    from runner.results.collect import read_all_shards
    store = LocalStore(tmp_path)
    good = Shard.from_dict(valid_shard_dict(), "k")
    store.put_bytes(*shard_bytes(good))
    store.put_bytes("runs/r/shards/0/1/000000.json.gz", gzip.compress(json.dumps({"format": 1}).encode()))
    shards, rejected = read_all_shards(store, "r")
    assert [s.worker_index for s in shards] == [0] and merge_shards(shards).overall.requests == 3
    assert rejected == ["runs/r/shards/0/1/000000.json.gz: slice: expected an integer >= 0, got None"]


# Hostile specs, one class at a time, each inside an otherwise valid spec: every one is refused with
# a located line naming the field it is about (never a traceback, a hang or a run that vanishes).
VALID = {"target": {"url": "http://127.0.0.1:1"}, "load": {"phases": [{"duration": "2s", "rate": 5}]},
         "scenarios": [{"name": "s", "weight": 1, "flow": [{"get": "/"}]}]}
NOT_FINITE = st.sampled_from([float("inf"), float("-inf"), float("nan")])


def hostile(case: str, value: Any, depth: int) -> tuple[dict[str, Any], str]:
    """(the spec, the field its problem must name)."""
    spec = json.loads(json.dumps(VALID))
    phase, scenario = spec["load"]["phases"][0], spec["scenarios"][0]
    if case == "weight":
        scenario["weight"] = value
        return spec, "scenarios[0].weight"
    if case == "rate":
        phase["rate"] = value
        return spec, "load.phases[0].rate"
    if case == "duration":
        phase["duration"] = value
        return spec, "load.phases[0].duration"
    if case == "lag_tolerance":
        spec["limits"] = {"lag_tolerance": value}
        return spec, "limits.lag_tolerance"
    if case == "users":
        spec["load"]["phases"] = [{"duration": "2s", "users": value}]
        return spec, "load.phases[0].users"
    if case == "think":
        scenario["flow"] = [{"think": value}, {"get": "/"}]
        return spec, "scenarios[0].flow[0].think"
    if case == "deep json":  # written out below: a body nested deeper than Python's own JSON encoder goes
        scenario["flow"] = [{"post": {"url": "/", "json": "BODY"}}]
        return spec, "nested deeper than 64 levels"
    if case == "threshold":
        spec["thresholds"] = [value]
        return spec, "thresholds[0]"
    if case == "random_int":
        scenario["flow"] = [{"get": f"/{{{{ $random_int({value + 1}, {value}) }}}}"}]
        return spec, "scenarios[0].flow[0].get"
    if case == "url":
        scenario["flow"] = [{"get": value}]
        return spec, "scenarios[0].flow[0].get.url"
    if case == "name":
        spec["name"] = f"run{value}"
        return spec, "name"
    raise AssertionError(case)


HOSTILE = st.one_of(
    st.tuples(st.sampled_from(["weight", "rate", "duration", "lag_tolerance", "think"]), NOT_FINITE),
    st.tuples(st.sampled_from(["rate", "duration", "think"]), st.sampled_from([1e12, 1e40, "100000000h", "1e9/s"])),
    st.tuples(st.just("users"), st.integers(1_000_001, 10**15)),
    st.tuples(st.just("threshold"), st.sampled_from(["p95 < -5s", "error_rate < 101%", "p99 <= -1ms", "rps > -3"])),
    st.tuples(st.just("random_int"), st.integers(-1000, 1000)),
    st.tuples(st.just("url"), st.sampled_from(["http://[::1/x", "http://127.0.0.1:0/", "http://127.0.0.1:70000/",
                                               "http://bad host/"])),
    st.tuples(st.just("name"), st.sampled_from(["\udc80", "\ud800x"])),
    st.tuples(st.just("deep json"), st.none()),
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None, derandomize=True)
@given(HOSTILE, st.integers(65, 5000))
def test_a_hostile_spec_is_one_located_line_naming_its_field(case: tuple[str, Any], depth: int) -> None:
    spec, field = hostile(case[0], case[1], depth)
    text = yaml.safe_dump(spec, allow_unicode=False) if case[0] != "deep json" else \
        json.dumps(spec).replace('"BODY"', "[" * depth + "1" + "]" * depth)
    try:
        parse_spec(text, "hostile.yaml", base_dir=Path("/nonexistent"))
    except SpecError as error:
        [problem] = error.problems
        assert str(problem).startswith("hostile.yaml:") and f": {field}" in str(problem), str(problem)
        return
    raise AssertionError(f"{case} was accepted")


ARTILLERY_KEYS = ["target", "phases", "duration", "arrivalRate", "rampTo", "arrivalCount", "pause", "name",
                  "variables", "payload", "path", "fields", "http", "timeout", "defaults", "headers", "environments",
                  "ensure", "p95", "maxErrorRate", "thresholds", "conditions", "expression", "plugins", "flow", "get",
                  "post", "url", "json", "qs", "capture", "as", "think", "loop", "count", "over", "weight", "expect",
                  "statusCode", "match", "cookie", "form"]
artillery_parts = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(ARTILLERY_KEYS), inner, max_size=4)), max_leaves=25)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None, derandomize=True)
@given(artillery_parts, artillery_parts)
@example({"phases": {"a": 1}}, [{"flow": [{"get": {"url": "/"}}]}])  # an outside battery: AttributeError before
@example({"phases": [{"duration": 5}]}, "x")
@example({"phases": [{"duration": 5}]}, [{"flow": [{"get": 5}]}])
@example({"ensure": {"p95": "fast"}}, [])
@example({"ensure": [{"p95": 200}]}, [])
def test_any_artillery_script_is_a_spec_or_a_list_of_located_problems(config: Any, scenarios: Any) -> None:
    script = {"config": {"target": "http://127.0.0.1:1", **config} if isinstance(config, dict) else config,
              "scenarios": scenarios}
    try:
        parse_spec(yaml.safe_dump(script), "gen.yml", base_dir=Path("/nonexistent"))
    except SpecError as error:
        assert error.problems and all(str(p).startswith("gen.yml") for p in error.problems)
