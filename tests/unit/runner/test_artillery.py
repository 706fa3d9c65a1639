"""Artillery scripts into Squall specs: every construct the issue lists, and an honest list
of what could not be converted."""
from __future__ import annotations

from pathlib import Path

import yaml

from runner.importers.artillery import convert_artillery, looks_like_artillery
from runner.spec import load_spec
from runner.spec.model import Request, Think

SCRIPT = Path(__file__).resolve().parents[2] / "data" / "artillery" / "image-api.yml"


def converted() -> tuple[dict, list[str]]:
    return convert_artillery(yaml.safe_load(SCRIPT.read_text()), "image-api", SCRIPT.parent)


def test_config_phases_variables_and_payload_are_converted() -> None:
    spec, _ = converted()
    assert spec["target"] == {"url": "http://127.0.0.1:8080", "timeout": "8s",
                              "headers": {"User-Agent": "artillery-migrated", "X-Tenant": "{{ tenant }}"}}
    assert spec["load"]["phases"] == [
        {"name": "Warm up", "duration": "10s", "rate": "2/s"},
        {"name": "Ramp", "duration": "20s", "rate": "2/s", "ramp_to": "10/s"},
        {"name": "Steady by count", "duration": "30s", "rate": "10/s"},  # 300 arrivals over 30 s
        {"name": "phase-4", "duration": "5s", "pause": True}]
    assert spec["data"]["prompt"] == {"values": ["a lighthouse", "a fox in the snow"], "order": "random"}
    assert spec["data"]["tenant"] == {"values": ["acme"], "order": "random"}
    assert spec["data"]["payload"] == {"values": [{"username": "ada", "token": "t-1"},
                                                  {"username": "bob", "token": "t-2"}], "order": "sequence"}


def test_flows_with_captures_bodies_and_think_are_converted() -> None:
    spec, _ = converted()
    generate = spec["scenarios"][0]
    assert (generate["name"], generate["weight"]) == ("Generate and poll", 5)
    post = generate["flow"][0]["post"]
    assert post["headers"] == {"Authorization": "Bearer {{ payload.token }}"}
    assert post["json"] == {"prompt": "{{ prompt }}", "user": "{{ payload.username }}",
                            "seed": "{{ $random_int(1, 1000) }}"}
    assert post["capture"] == [{"json": "$.jobId", "as": "jobId"}, {"header": "x-request-id", "as": "requestId"}]
    assert generate["flow"][1] == {"think": "1s"}
    assert generate["flow"][2] == {"get": {"url": "/status/{{ jobId }}", "query": {"verbose": "1"}}}
    browse = [list(step)[0] for step in spec["scenarios"][1]["flow"]]
    assert browse == ["get", "put", "patch", "delete"]
    assert spec["scenarios"][1]["flow"][1]["put"]["form"] == {"title": "renamed"}


def test_ensure_becomes_thresholds() -> None:
    spec, _ = converted()
    assert spec["thresholds"] == ["p95 < 800ms", "error_rate <= 1%", "p99 < 2000ms",
                                  {"check": "median < 200ms", "severity": "should"},
                                  {"check": "rps > 5", "severity": "should"}]


def test_what_cannot_be_converted_is_listed_not_dropped() -> None:
    _, unconverted = converted()
    assert unconverted == [
        "scenarios[0].beforeScenario: JavaScript hooks are not converted",
        "scenarios[0].flow[0].post.expect: not converted (e.g. body, expect, beforeRequest, afterResponse, ifTrue)",
        "scenarios[0].flow[3].function: not converted (functions, log, loop and parallel have no Squall "
        "equivalent; write the steps out)",
        "scenarios[1].flow[4].loop: loops are not converted; write the steps out, or use closed-model users",
        "config.ensure.conditions[1]: 'vusers.failed == 0' is not converted",
        "config.processor: not supported (JavaScript processors, other engines and environments have no Squall "
        "equivalent)",
        "config.plugins.expect: Artillery plugins are not converted",
    ]


def test_the_converted_script_is_a_valid_spec_and_runs_as_one() -> None:
    assert looks_like_artillery(yaml.safe_load(SCRIPT.read_text()))
    spec = load_spec(SCRIPT)
    assert spec.notes[0].endswith("is an Artillery script, converted (`squall import artillery` writes the spec)")
    assert len(spec.notes) == 8
    assert [s.name for s in spec.scenarios] == ["Generate and poll", "Browse"]
    post, think, get = spec.scenarios[0].flow
    assert isinstance(post, Request) and isinstance(think, Think) and isinstance(get, Request)
    assert spec.target.timeout_s == 8.0 and spec.duration_s == 65.0
