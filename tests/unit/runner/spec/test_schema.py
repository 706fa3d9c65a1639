"""The JSON Schemas editors read agree with `squall validate`: the keys of every map are the keys its
rule checks (recorded while specs are validated, at every rule), every example passes both, and a
set of broken specs fails both."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from runner.spec import SpecError, parse_spec
from runner.spec.checker import Checker
from runner.spec.schema import spec_schema, suite_schema
from runner.spec.suite import is_suite_file, load_suite

ROOT = Path(__file__).resolve().parents[4]
SPEC_VALIDATOR = jsonschema.Draft202012Validator(spec_schema())
SUITE_VALIDATOR = jsonschema.Draft202012Validator(suite_schema())

# One spec that reaches every rule that checks a map's keys (the test below counts them in the source)
EVERY_MAP = """
name: every-map
target: {url: "http://127.0.0.1:8080", headers: {X-Team: load}, timeout: 5s, verify_tls: true, http2: false,
         cookies: true}
load:
  arrivals: poisson
  phases:
    - {name: steady, duration: 10s, rate: 5/s, ramp_to: 10/s}
    - {name: users, duration: 10s, users: 5, spawn_rate: 1/s}
data:
  sizes: {values: [1, 2], order: sequence}
scenarios:
  - name: login
    weight: 0
    flow:
      - post: {url: /login, json: {user: a}, capture: {json: $.token, as: token}}
  - name: browse
    tags: [smoke]
    flow:
      - request:
          method: GET
          url: /items
          name: GET /items
          headers: {Accept: application/json}
          query: {size: "{{ sizes }}"}
          expect: {status: [200], content_type: json, json: {$.ok: true}, has: [$.items], header: {X-A: b}}
          capture: [{header: Location, as: next}]
          timeout: 2s
          cookies: {theme: dark}
      - think: 1s..2s
      - loop:
          count: 3
          flow: [{get: {url: /status, capture: [{json: $.state, as: state}]}}]
          until: {state: done}
user_classes:
  - {name: Reader, weight: 1, tasks: {browse: 1}, wait: 1s..3s, on_start: login,
     headers: {Authorization: "Bearer {{ token }}"}, tags: [read]}
thresholds:
  - p95 < 500ms
  - {check: error_rate < 1%, severity: must, exclude_statuses: [429], abort: true, for: 2s, after: 1s}
  - {check: p99 < 1s, endpoint: GET /items}
  - {check: rps > 1, phase: steady}
limits: {max_in_flight: 100, max_workers: 2, lag_tolerance: 100ms, max_dropped: 1%, max_late: 5%, drain: 5s,
         max_cost_usd: 1, allowed_hosts: [127.0.0.1], max_rate: 100/s, max_duration: 1h, min_workers: 100%,
         max_connections: 50}
aws:
  region: us-east-1
  stack: demo
  settle: 1m
  resources:
    lambda: [fn]
    dynamodb: [table]
    apigateway: [{name: api, stage: prod}, {id: abc123, stage: $default}]
profiles:
  light: {load: {phases: [{duration: 5s, rate: 1/s}]}, limits: {drain: 1s}}
"""

LOCUST = """
target: http://127.0.0.1:8080
load: {phases: [{duration: 10s, users: 5, spawn_rate: 1/s}]}
locust: {file: locustfile.py, classes: [WebUser], tags: [a], exclude_tags: [b], options: [--my-flag]}
"""

SUITE = "suite: gate\ntests:\n  - a.yaml\n  - {spec: a.yaml, name: light, load_profile: light, set: [name=x], " \
        "tags: [smoke], exclude_tags: slow}\n"


def node_at(schema: dict[str, Any], path: tuple[Any, ...], root: dict[str, Any] | None = None) -> dict[str, Any]:
    """The schema a document's value at ``path`` is checked by (the object branch where a key
    has several forms)."""
    root = root or schema
    if "$ref" in schema:
        schema = root["$defs"][schema["$ref"].rsplit("/", 1)[1]]
    if "properties" not in schema and "items" not in schema and "additionalProperties" not in schema:
        for branch in schema.get("anyOf", []):
            resolved = root["$defs"][branch["$ref"].rsplit("/", 1)[1]] if "$ref" in branch else branch
            wanted = "array" if path and isinstance(path[0], int) else "object"
            if resolved.get("type") == wanted:
                return node_at(resolved, path, root)
    if not path:
        return schema
    key, rest = path[0], path[1:]
    if isinstance(key, int):
        return node_at(schema["items"], rest, root)
    properties = schema.get("properties", {})
    return node_at(properties[key] if key in properties else schema["additionalProperties"], rest, root)


def test_every_map_in_the_schema_has_exactly_the_keys_its_rule_checks(tmp_path: Path, monkeypatch) -> None:
    seen: dict[tuple[str, int], list[tuple[tuple[Any, ...], tuple[str, ...], tuple[str, ...]]]] = {}
    original = Checker.mapping

    def recording(self: Checker, path: Any, value: Any, allowed: tuple[str, ...], required: tuple[str, ...] = ()):
        caller = sys._getframe(1)
        seen.setdefault((caller.f_code.co_filename, caller.f_lineno), []).append((path, allowed, required))
        return original(self, path, value, allowed, required)

    monkeypatch.setattr(Checker, "mapping", recording)
    parse_spec(EVERY_MAP, "every.yaml", read_files=False)
    spec_calls = dict(seen)
    parse_spec(LOCUST, "locust.yaml", read_files=False)
    (tmp_path / "a.yaml").write_text("target: http://127.0.0.1:1\nload: {phases: [{duration: 1s, rate: 1}]}\n"
                                     "scenarios: [{flow: [{get: /}]}]\n")
    (tmp_path / "suite.yaml").write_text(SUITE)
    before = set(seen)
    load_suite(tmp_path / "suite.yaml")
    suite_sites = set(seen) - before

    rule_sites = sum(len(re.findall(r"\bc\.mapping\(", f.read_text())) for f in (ROOT / "runner" / "spec").glob("*.py"))
    assert len(seen) == rule_sites, "a rule that checks a map's keys is not reached by these specs"
    for site, calls in seen.items():
        schema = suite_schema() if site in suite_sites else spec_schema()
        for path, allowed, required in calls:
            node = node_at(schema, tuple(path))
            listed = set(node["properties"]) - ({"profiles"} if path == () and site in spec_calls else set())
            assert listed == set(allowed), (site, path)
            assert node["additionalProperties"] is False
            assert set(node.get("required", ())) <= set(required), (site, path)


def examples() -> list[Path]:
    found = sorted((ROOT / "runner" / "examples").rglob("*.yaml")) + sorted((ROOT / "specs").glob("*.yaml"))
    assert len(found) > 10
    return found


@pytest.mark.parametrize("path", examples(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_example_passes_the_schema_and_validate(path: Path) -> None:
    document = yaml.safe_load(path.read_text())
    if is_suite_file(path):
        load_suite(path)
        SUITE_VALIDATOR.validate(document)
    else:
        parse_spec(path.read_text(), str(path), base_dir=path.parent)
        SPEC_VALIDATOR.validate(document)


def test_the_specs_in_the_docs_pass_the_schema() -> None:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    blocks = [b for page in pages for b in re.findall(r"```yaml\n(.*?)```", page.read_text(), flags=re.S)]
    specs = [yaml.safe_load(b) for b in blocks if re.search(r"^target:", b, re.M) and re.search(r"^load:", b, re.M)]
    assert len(specs) >= 2
    for document in specs:
        SPEC_VALIDATOR.validate(document)


BASE = {"target": "http://127.0.0.1:8080", "load": {"phases": [{"duration": "10s", "rate": "5/s"}]},
        "scenarios": [{"flow": [{"get": "/"}]}]}

BROKEN = {
    "an unknown top-level key": {**BASE, "thresholdz": ["p95 < 1s"]},
    "no load": {k: v for k, v in BASE.items() if k != "load"},
    "no scenarios": {k: v for k, v in BASE.items() if k != "scenarios"},
    "a duration that is not one": {**BASE, "load": {"phases": [{"duration": "ten seconds", "rate": 5}]}},
    "a rate that is not one": {**BASE, "load": {"phases": [{"duration": "10s", "rate": "fast"}]}},
    "both rate and users": {**BASE, "load": {"phases": [{"duration": "10s", "rate": 5, "users": 5}]}},
    "a negative rate": {**BASE, "load": {"phases": [{"duration": "10s", "rate": -5}]}},
    "an unknown arrivals": {**BASE, "load": {"arrivals": "bursty", "phases": [{"duration": "10s", "rate": 5}]}},
    "an unknown step": {**BASE, "scenarios": [{"flow": [{"fetch": "/"}]}]},
    "two steps in one item": {**BASE, "scenarios": [{"flow": [{"get": "/", "post": "/"}]}]},
    "a status out of range": {**BASE, "scenarios": [{"flow": [{"get": {"url": "/", "expect": 999}}]}]},
    "a capture without a name": {**BASE, "scenarios": [{"flow": [{"get": {"url": "/", "capture": {"json": "$.a"}}}]}]},
    "an unknown severity": {**BASE, "thresholds": [{"check": "p95 < 1s", "severity": "could"}]},
    "a share over 100 %": {**BASE, "limits": {"max_dropped": 2}},
    "a string for a boolean": {**BASE, "target": {"url": "http://127.0.0.1:8080", "verify_tls": "no"}},
    "an unknown request key": {**BASE, "scenarios": [{"flow": [{"post": {"url": "/", "body": "x"}}]}]},
    "a data set with values and csv": {**BASE, "data": {"d": {"values": [1], "csv": "d.csv"}}},
    "a profile replacing scenarios": {**BASE, "profiles": {"p": {"scenarios": []}}},
    "a scenario weight below 0": {**BASE, "scenarios": [{"weight": -1, "flow": [{"get": "/"}]}]},
    "an api with name and id": {**BASE, "aws": {"resources": {"apigateway": [{"name": "a", "id": "b", "stage": "p"}]}}},
}


@pytest.mark.parametrize("name", BROKEN)
def test_a_broken_spec_fails_both(name: str) -> None:
    document = BROKEN[name]
    assert not SPEC_VALIDATOR.is_valid(document)
    with pytest.raises(SpecError):
        parse_spec(yaml.safe_dump(document), "broken.yaml", read_files=False)


def test_a_broken_suite_fails_both(tmp_path: Path) -> None:
    for document in ({"suite": "s"}, {"suite": "s", "tests": []}, {"suite": "s", "tests": [{"name": "x"}]},
                     {"suite": "s", "tests": ["a.yaml"], "parallel": True}):
        (tmp_path / "s.yaml").write_text(yaml.safe_dump(document))
        assert not SUITE_VALIDATOR.is_valid(document)
        with pytest.raises(SpecError):
            load_suite(tmp_path / "s.yaml")


def test_the_published_schemas_are_the_generated_ones() -> None:
    """docs/ carries the files editors point at; `squall schema` prints the same."""
    assert json.loads((ROOT / "docs" / "squall.schema.json").read_text()) == spec_schema()
    assert json.loads((ROOT / "docs" / "squall-suite.schema.json").read_text()) == suite_schema()
